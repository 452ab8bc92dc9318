/**
 * Segments as they happen: the live counterpart of segments.ts's `mode` segmenter for a
 * stream of windows (the server's `label` messages). The same two rules, online (the Viterbi
 * segmenter needs the whole video, or a fixed lag, to place its boundaries):
 *
 * - the mode filter over `smoothRadius` windows on each side, so a window's smoothed label is
 *   known `smoothRadius` windows later;
 * - a minimum length as hysteresis: a new label takes over only once its run has lasted
 *   `minSegmentMs`; a shorter run is absorbed by the segment it interrupted. The new segment's
 *   start is then dated back to where its run began, and the one it replaces ends there.
 *
 * Each window speaks for the stretch from halfway between its centre and the previous window's
 * (the first from its start) to halfway to the next one's (the last to its end), as in
 * segments.ts, so a window is placed once the next one has been smoothed. Events: `start` when a
 * segment is confirmed (with its start and the score so far), `end` when the next one is
 * confirmed or the stream ends ({@link OnlineSegmenter.flush}), with its final end and score.
 */
import type { ClipLabel } from '../types.js';
import { UNKNOWN_LABEL } from './openset.js';
import { modeOf, type ActionSegment, type SegmentOptions } from './segments.js';

/** A segment that started or ended. `end` events carry the whole segment. */
export interface SegmentEvent {
  event: 'start' | 'end';
  segment: ActionSegment;
}

interface Run {
  label: string;
  startMs: number;
  endMs: number;
  /** Per class, the sum of its probability over the run's windows. */
  scoreSums: Map<string, number>;
  familiaritySum: number;
  familiarityCount: number;
  windows: number;
}

export class OnlineSegmenter {
  private readonly radius: number;
  private readonly minMs: number;
  /** The last 2·radius + 1 windows (fewer at the start). */
  private readonly recent: ClipLabel[] = [];
  /** Windows seen, and the index of the next one to smooth. */
  private seen = 0;
  private next = 0;
  private prevCentre: number | undefined;
  /** The last smoothed window, waiting for the next one to say where its stretch ends. */
  private held: { label: string; w: ClipLabel; startMs: number } | undefined;
  /** The confirmed segment (announced by a `start`), and a run of another label waiting to last. */
  private current: Run | undefined;
  private pending: Run | undefined;

  constructor(options: SegmentOptions = {}) {
    this.radius = options.smoothRadius ?? 1;
    this.minMs = options.minSegmentMs ?? 1000;
  }

  /** Takes the next window (in time order); returns the events it confirms. */
  push(window: ClipLabel): SegmentEvent[] {
    this.recent.push(window);
    this.seen++;
    if (this.recent.length > 2 * this.radius + 1) this.recent.shift();
    const events: SegmentEvent[] = [];
    // Window `next` can be smoothed once `radius` windows after it are in.
    while (this.next + this.radius < this.seen) this.smoothNext(events);
    return events;
  }

  /** The stream ended: smooths what is left and ends the last segment. */
  flush(): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    while (this.next < this.seen) this.smoothNext(events);
    if (this.held) this.place(this.held.label, this.held.w, this.held.startMs, this.held.w.endMs, events);
    this.held = undefined;
    if (this.pending) {
      // Too short to stand on its own: like segmentsOf, it joins the segment before it, if any.
      if (this.current) this.absorb(this.current, this.pending);
      else this.confirm(events);
      this.pending = undefined;
    }
    if (this.current) events.push({ event: 'end', segment: this.toSegment(this.current) });
    this.current = undefined;
    return events;
  }

  private smoothNext(events: SegmentEvent[]): void {
    const first = this.seen - this.recent.length; // index of recent[0]
    const i = this.next++;
    const w = this.recent[i - first];
    const from = Math.max(first, i - this.radius);
    const to = Math.min(this.seen - 1, i + this.radius);
    const label = modeOf(
      this.recent.slice(from - first, to - first + 1).map((x) => x.label),
      w.label,
    );
    const centre = (w.startMs + w.endMs) / 2;
    const startMs = this.prevCentre === undefined ? w.startMs : (this.prevCentre + centre) / 2;
    this.prevCentre = centre;
    const held = this.held;
    if (held) this.place(held.label, held.w, held.startMs, startMs, events);
    this.held = { label, w, startMs };
  }

  /** Window `w`, smoothed to `label`, speaks for [`startMs`, `endMs`). */
  private place(label: string, w: ClipLabel, startMs: number, endMs: number, events: SegmentEvent[]): void {
    if (this.current && label === this.current.label && !this.pending) {
      this.extend(this.current, w, endMs);
      return;
    }
    if (this.pending && label !== this.pending.label) {
      // The waiting run was interrupted before it lasted: the segment it broke keeps it.
      if (this.current) this.absorb(this.current, this.pending);
      this.pending = undefined;
      if (this.current && label === this.current.label) {
        this.extend(this.current, w, endMs);
        return;
      }
    }
    this.pending ??= {
      label,
      startMs,
      endMs,
      scoreSums: new Map(),
      familiaritySum: 0,
      familiarityCount: 0,
      windows: 0,
    };
    this.extend(this.pending, w, endMs);
    if (this.pending.endMs - this.pending.startMs >= this.minMs) this.confirm(events);
  }

  /** The waiting run takes over: the current segment ends where it began. */
  private confirm(events: SegmentEvent[]): void {
    const run = this.pending as Run;
    if (this.current) {
      this.current.endMs = run.startMs;
      events.push({ event: 'end', segment: this.toSegment(this.current) });
    }
    this.current = run;
    this.pending = undefined;
    events.push({ event: 'start', segment: this.toSegment(run) });
  }

  private extend(run: Run, w: ClipLabel, endMs: number): void {
    run.endMs = Math.max(run.endMs, endMs);
    for (const [l, p] of Object.entries(w.scores)) run.scoreSums.set(l, (run.scoreSums.get(l) ?? 0) + p);
    if (w.familiarity !== undefined) {
      run.familiaritySum += w.familiarity;
      run.familiarityCount++;
    }
    run.windows++;
  }

  private absorb(into: Run, run: Run): void {
    into.endMs = Math.max(into.endMs, run.endMs);
    into.windows += run.windows;
    into.familiaritySum += run.familiaritySum;
    into.familiarityCount += run.familiarityCount;
    for (const [l, p] of run.scoreSums) into.scoreSums.set(l, (into.scoreSums.get(l) ?? 0) + p);
  }

  private toSegment(run: Run): ActionSegment {
    return {
      label: run.label,
      startMs: run.startMs,
      endMs: run.endMs,
      score:
        run.label === UNKNOWN_LABEL ? null : (run.scoreSums.get(run.label) ?? 0) / Math.max(1, run.windows),
      ...(run.familiarityCount ? { familiarity: run.familiaritySum / run.familiarityCount } : {}),
      windows: run.windows,
    };
  }
}
