/**
 * models/trunk/ is @vladmandic/human's CenterNet cut after its stride-16 block
 * (models/make-trunk.ts): the files are what the generator makes from the devDependency, and the
 * cut computes the full graph's stride-8 and stride-16 features exactly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { bundledTrunkPath, loadGraphModelFromFile, resolvePackageFile } from '../../src/backend/model-io.js';
import { TRUNK_NODES } from '../../src/track/embedding.js';
import { cutTrunk } from '../../models/make-trunk.js';

const fullPath = () => resolvePackageFile('@vladmandic/human', 'models/centernet.json');

describe('the shipped trunk (models/trunk)', () => {
  it('is byte for byte what models/make-trunk.ts cuts from @vladmandic/human', () => {
    const { json, weights } = cutTrunk(fullPath());
    expect(JSON.parse(readFileSync(bundledTrunkPath(), 'utf8'))).toEqual(json);
    expect(readFileSync(path.join(path.dirname(bundledTrunkPath()), 'weights.bin')).equals(weights)).toBe(
      true,
    );
    expect(weights.length).toBeLessThan(1.5e6);
  });

  it('gives the same features as the full graph', async () => {
    await initBackend('cpu');
    const [cut, full] = await Promise.all(
      [bundledTrunkPath(), fullPath()].map((p) => loadGraphModelFromFile(p, { dynamicInput: true })),
    );
    const input = tf.randomUniform([1, 64, 64, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const nodes = [TRUNK_NODES.stride8, TRUNK_NODES.stride16];
    const a = cut.execute(input, nodes) as tf.Tensor[];
    const b = full.execute(input, nodes) as tf.Tensor[];
    expect(a[0].shape).toEqual([1, 8, 8, 32]);
    expect(a[1].shape).toEqual([1, 4, 4, 88]);
    for (let i = 0; i < 2; i++) expect(Array.from(await a[i].data())).toEqual(Array.from(await b[i].data()));
    tf.dispose([input, ...a, ...b]);
    cut.dispose();
    full.dispose();
  });
});
