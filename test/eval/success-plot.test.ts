import { describe, expect, it } from 'vitest';
import { OTB_THRESHOLDS } from '../../src/eval/metrics.js';
import { renderSuccessPlot } from '../../src/eval/success-plot.js';
import { parseXml } from './svg.js';

const curve = (level: number): number[] => OTB_THRESHOLDS.map((t) => (t < level ? 1 : 0));

describe('renderSuccessPlot', () => {
  it('is well-formed SVG with one curve per sequence plus a thicker mean', () => {
    const series = [
      { name: 'Basketball', curve: curve(0.6), auc: 12 / 21 },
      { name: 'A&B <odd>', curve: curve(0.3), auc: 6 / 21 },
      { name: 'boat1', curve: curve(0.8), auc: 16 / 21 },
    ];
    const svg = renderSuccessPlot(series);
    const elements = parseXml(svg);
    expect(elements[0].name).toBe('svg');
    expect(elements[0].attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    const curves = elements.filter((e) => e.name === 'polyline' && e.attributes.class === 'curve');
    expect(curves).toHaveLength(4);
    for (const c of curves) expect(c.attributes.points.trim().split(/\s+/)).toHaveLength(21);
    const widths = curves.map((c) => Number(c.attributes['stroke-width']));
    expect(Math.max(...widths)).toBeGreaterThan(2 * Math.min(...widths)); // the mean stands out
    expect(svg).toContain('boat1 [0.762]');
    expect(svg).toContain('mean [0.540]'); // (12 + 6 + 16) / 3 / 21
    expect(svg).toContain('A&amp;B &lt;odd&gt; [0.286]');
    expect(svg.indexOf('boat1 [')).toBeLessThan(svg.indexOf('Basketball [')); // best first
  });

  it('draws no mean for a single sequence', () => {
    const elements = parseXml(renderSuccessPlot([{ name: 'one', curve: curve(0.5), auc: 10 / 21 }]));
    expect(elements.filter((e) => e.name === 'polyline')).toHaveLength(1);
  });

  it('rejects a curve of the wrong length', () => {
    expect(() => renderSuccessPlot([{ name: 'x', curve: [1, 0], auc: 0.5 }])).toThrow(RangeError);
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow();
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow();
    expect(() => parseXml('<svg>a & b</svg>')).toThrow();
  });
});
