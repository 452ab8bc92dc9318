/**
 * The public API (src/index.ts, the package's entry): the exported names and the main signatures,
 * locked. A change here is a change for every user: make it on purpose, and update this test.
 * The signatures are checked by the type checker (`npm test` runs tsc over test/).
 */
import type { Observable, OperatorFunction } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_DECODE_OPTIONS',
      'DEFAULT_MAX_IN_FLIGHT',
      'DEFAULT_RECONNECT',
      'DEFAULT_TRACKER_OPTIONS',
      'DEFAULT_TRAIN_OPTIONS',
      'ERROR_CODES',
      'PRESETS',
      'PROTOCOL_VERSION',
      'SiamError',
      'classifyClips',
      'createClipClassifier',
      'createFrameDemand',
      'createMultiTracker',
      'createTracker',
      'decode',
      'decodeFrameMessage',
      'disposeClipModel',
      'initBackend',
      'iou',
      'isSiamError',
      'listSequences',
      'loadClipModel',
      'parseGroundTruth',
      'precisionAt',
      'probeVideo',
      'readGroundTruth',
      'resolveFfmpeg',
      'runEval',
      'saveClipModel',
      'serve',
      'successAuc',
      'track',
      'trackMany',
      'trainClassifier',
      'writeGroundTruth',
    ]);
  });

  it('keeps the stage signatures', () => {
    expectTypeOf(api.decode).toEqualTypeOf<
      (source: string, options?: api.DecodeOptions) => Observable<api.Frame>
    >();
    expectTypeOf(api.createTracker).toEqualTypeOf<(options?: api.TrackerOptions) => Promise<api.Tracker>>();
    expectTypeOf(api.track).toEqualTypeOf<
      (initialBox: api.Box, options?: api.TrackOptions) => OperatorFunction<api.Frame, api.TrackResult>
    >();
    // Several targets: the same options, one trunk call a frame for all of them.
    expectTypeOf(api.createMultiTracker).toEqualTypeOf<
      (options?: api.TrackerOptions) => Promise<api.MultiTracker>
    >();
    expectTypeOf(api.trackMany).toEqualTypeOf<
      (
        starts: readonly api.TargetStart[],
        options?: api.TrackManyOptions,
      ) => OperatorFunction<api.Frame, api.MultiTrackResult>
    >();
    expectTypeOf<api.MultiTracker['add']>().toEqualTypeOf<
      (frame: api.Frame, box: api.Box, id?: number) => Promise<api.TargetResult>
    >();
    expectTypeOf<api.TargetResult>().toMatchTypeOf<api.TrackResult & { id: number }>();
    expectTypeOf<api.Tracker['init']>().toEqualTypeOf<
      (frame: api.Frame, box: api.Box) => Promise<api.TrackResult>
    >();
    expectTypeOf<api.Tracker['update']>().toEqualTypeOf<(frame: api.Frame) => Promise<api.TrackResult>>();
    expectTypeOf<api.Tracker['dispose']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<api.TrackerOptions['thread']>().toEqualTypeOf<'main' | 'worker' | undefined>();
    expectTypeOf<api.TrackerOptions['engine']>().toEqualTypeOf<'auto' | 'tfjs' | 'onnx' | undefined>();
    expectTypeOf(api.serve).toEqualTypeOf<(options: api.ServeOptions) => Promise<api.LiveServer>>();
    expectTypeOf(api.createClipClassifier).toEqualTypeOf<
      (options: api.ClipClassifierOptions) => Promise<api.ClipClassifier>
    >();
    // The classifier's contract matches the tracker's: a thread of its own, a dispose to wait for.
    expectTypeOf<api.ClipClassifierOptions['thread']>().toEqualTypeOf<'main' | 'worker' | undefined>();
    expectTypeOf<api.ClipClassifier['dispose']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(api.runEval).parameter(0).toEqualTypeOf<api.EvalOptions>();
    // One tracker contract: eval takes the Tracker that createTracker makes, the server the
    // MultiTracker that createMultiTracker makes (a Tracker is that holding one target).
    expectTypeOf<NonNullable<api.EvalOptions['trackerFactory']>>().toEqualTypeOf<
      () => Promise<api.Tracker>
    >();
    expectTypeOf<NonNullable<api.ServeOptions['createTracker']>>().toEqualTypeOf<
      () => Promise<api.MultiTracker> | api.MultiTracker
    >();
    expectTypeOf<api.TrackResult>().toMatchTypeOf<{
      frameIndex: number;
      timestampMs: number;
      box: api.Box;
      score: number;
      psr: number;
      lost: boolean;
      timings: Record<string, number>;
    }>();
    expectTypeOf<api.Box>().toEqualTypeOf<{ x: number; y: number; width: number; height: number }>();
    // One shape of per-stage timings everywhere: `<stage>Ms` keys.
    expectTypeOf<api.TrackResult['timings']>().toEqualTypeOf<api.Timings>();
    expectTypeOf<api.ClipLabel['timings']>().toEqualTypeOf<api.Timings>();
    expectTypeOf<api.Timings>().toEqualTypeOf<Record<`${string}Ms`, number>>();
  });
});
