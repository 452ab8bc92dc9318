/**
 * The dashboard in real Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the page
 * shows frames, a box dragged with the mouse starts tracking, and the overlay follows the target;
 * a second box adds a second target, a click on its box stops it, the list's × the first.
 * Runs on the sample with the real tracker, the looping file paced by the test (pacedFile): a
 * frame every 33 ms while nothing is tracked, frozen while the box is drawn, then stepped one
 * frame at a time while the overlay is compared with the ground truth, so a busy machine only
 * slows the test. Saves
 * screenshots to artifacts/dashboard.png and artifacts/dashboard-multi.png. On a camera server
 * (`serve --redis`), the page shows a menu of the cameras and the one its URL names. Without Chromium it skips with a message, except in CI
 * (`CI` set: .ci/run), where it fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { bufferCount, map } from 'rxjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { serve } from '../../src/stream/index.js';
import { serveCameras, type CameraServer } from '../../src/stream/camera-server.js';
import { submitJobs } from '../../src/queue/index.js';
import { liveKeys } from '../../src/queue/live-channels.js';
import { startRedis } from '../helpers/redis.js';
import type { Box } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { requireSample, SAMPLE_GT, SAMPLE_VIDEO } from '../helpers/sample.js';
import { defaultTrackerFactory } from '../../src/stream/defaults.js';
import { iou, pacedFile, readGroundTruth } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

/**
 * Chromium: `CHROMIUM_PATH`, else the system's (Debian's /usr/bin/chromium, as CI installs), else
 * the browser playwright-core manages (`npx playwright install chromium`). Without any, the test
 * skips on a developer's machine and fails in CI (`CI` set), where a skip would hide a missing
 * dependency.
 */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    // playwright-core knows no managed browser for this platform
  }
  return candidates.find((c): c is string => !!c && existsSync(c));
}
const CHROMIUM = findChromium();
const VIDEO = SAMPLE_VIDEO;
const GT = SAMPLE_GT;
const MISSING =
  'no Chromium found: set CHROMIUM_PATH, apt-get install chromium, or npx playwright install chromium';
if (!CHROMIUM && !process.env.CI) console.warn(`[skip] dashboard browser test: ${MISSING}`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageState {
  counters: { frames: number; tracks: number; stats: number; opens: number };
  header: { frameIndex: number; sourceWidth: number; sourceHeight: number } | null;
  tracking: boolean;
  lastTrack: { result: { frameIndex: number; box: Box; lost: boolean } } | null;
}

/** What the test reads of the dashboard's targets (src/stream/dashboard/targets.js). */
interface DashboardTargets {
  ids: number[];
  byId: Map<number, { last: { result: { box: Box } } | null }>;
}

describe.skipIf(!CHROMIUM && !process.env.CI)('dashboard in Chromium', () => {
  beforeAll(() => {
    requireSample();
    if (!CHROMIUM) throw new Error(`CI: ${MISSING}`);
  });

  it('shows frames; a box drawn with the mouse starts tracking; the overlay follows; several targets come and go', async () => {
    const truth = readGroundTruth(GT);
    const token = 'browser-test-token';
    const paced = pacedFile(VIDEO, {
      createTracker: defaultTrackerFactory({ backend: 'wasm' }),
      loop: true,
      idleFrameMs: 33,
    });
    const server = await serve({
      frames: paced.frames,
      createTracker: paced.createTracker,
      port: 0,
      token,
      previewMaxFps: 10,
      // Labels without a model: 'wave' for 2 s of frames, then 'clap' for 2 s, and so on.
      classify: (frames) =>
        frames.pipe(
          bufferCount(8),
          map((w) => {
            const label = Math.floor((w[0]?.index ?? 0) / 60) % 2 === 0 ? 'wave' : 'clap';
            return {
              startMs: w[0]?.timestampMs ?? 0,
              endMs: w.at(-1)?.timestampMs ?? 0,
              startFrame: w[0]?.index ?? 0,
              endFrame: w.at(-1)?.index ?? 0,
              label,
              scores: label === 'wave' ? { wave: 0.9, clap: 0.1 } : { wave: 0.2, clap: 0.8 },
              timings: {},
            };
          }),
        ),
    });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.url}?token=${token}`);
      const state = (): Promise<PageState> =>
        page.evaluate(() => (window as unknown as { __siamstream: PageState }).__siamstream);

      await page.waitForFunction(
        () => (window as unknown as { __siamstream: PageState }).__siamstream.counters.frames >= 3,
        null,
        { timeout: 60_000 },
      );
      expect(await page.textContent('#status')).toBe('live');

      // Drag the ground-truth box of the frame on screen: a frame where the target is visible, at
      // least a second before it goes behind the occluder (so the overlay has something to follow).
      const hiddenFrom = truth.findIndex((g) => g === null);
      await page.waitForFunction(
        ({ gt, before }) => {
          const s = (window as unknown as { __siamstream: PageState }).__siamstream;
          const i = s.header ? s.header.frameIndex % gt.length : -1;
          return i >= 0 && i < before && gt[i] !== null;
        },
        { gt: truth, before: (hiddenFrom > 0 ? hiddenFrom : truth.length) - 30 },
        { timeout: 60_000, polling: 20 },
      );
      // Freeze the video while the box is drawn: the frame on screen stays the server's newest.
      paced.manual = true;
      const s0 = await state();
      const shown = (s0.header?.frameIndex ?? 0) % truth.length;
      const box = truth[shown] as Box;
      const rect = await page.locator('#video').boundingBox();
      if (!rect || !s0.header) throw new Error('no video canvas');
      const k = rect.width / s0.header.sourceWidth;
      await page.mouse.move(rect.x + box.x * k, rect.y + box.y * k);
      await page.mouse.down();
      await page.mouse.move(rect.x + (box.x + box.width / 2) * k, rect.y + (box.y + box.height / 2) * k, {
        steps: 3,
      });
      await page.mouse.move(rect.x + (box.x + box.width) * k, rect.y + (box.y + box.height) * k, {
        steps: 3,
      });
      await page.mouse.up();

      await page.waitForFunction(
        () => (window as unknown as { __siamstream: PageState }).__siamstream.tracking,
        null,
        { timeout: 60_000 },
      );
      // Step the video one frame at a time, sampling the overlay's box against the ground truth of
      // its frame, for 20 frames or until the looping file wraps: there the target jumps from its
      // last position back to its first (a scene cut, not motion), and results past it would
      // measure the seam, not the overlay.
      const pass = Math.floor(s0.header.frameIndex / truth.length);
      const ious: number[] = [];
      let last = (await state()).lastTrack?.result.frameIndex ?? -1;
      for (let k = 0; k < 20; k++) {
        paced.step();
        await page.waitForFunction(
          (after) =>
            ((window as unknown as { __siamstream: PageState }).__siamstream.lastTrack?.result.frameIndex ??
              -1) > after,
          last,
          { timeout: 60_000, polling: 20 },
        );
        const t = (await state()).lastTrack?.result;
        if (!t || Math.floor(t.frameIndex / truth.length) > pass) break;
        last = t.frameIndex;
        const gt = truth[t.frameIndex % truth.length];
        // While lost the overlay keeps the last confident box, by design: not a following error.
        if (gt && !t.lost) ious.push(iou(t.box, gt));
      }
      const shot = path.join(REPO_ROOT, 'artifacts/dashboard.png');
      mkdirSync(path.dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      const mean = ious.reduce((a, b) => a + b, 0) / Math.max(1, ious.length);
      const end = await state();
      console.log(
        `[browser] drew box on frame ${shown}; ${end.counters.frames} frames and ${end.counters.tracks} tracks shown; overlay mean IoU ${mean.toFixed(3)} over ${ious.length} samples`,
      );
      expect(errors).toEqual([]);
      expect(end.counters.tracks).toBeGreaterThan(5);
      expect(ious.length).toBeGreaterThanOrEqual(10);
      // Bound: while tracking, the overlay stays on the target on average (IoU ≥ 0.3 with the ground truth).
      expect(mean).toBeGreaterThanOrEqual(0.3);
      // From here on the video runs at the tracker's pace (a frame as soon as the last one is tracked).
      paced.manual = false;
      paced.step();

      // A second box, on the background in the top-right corner: a second target beside the first.
      const targets = (): Promise<{ id: number; box: Box | null }[]> =>
        page.evaluate(() => {
          const t = (window as unknown as { __siamstream: { targets: DashboardTargets } }).__siamstream
            .targets;
          return t.ids.map((id) => ({ id, box: t.byId.get(id)?.last?.result.box ?? null }));
        });
      const drag = async (b: Box): Promise<void> => {
        await page.mouse.move(rect.x + b.x * k, rect.y + b.y * k);
        await page.mouse.down();
        await page.mouse.move(rect.x + (b.x + b.width) * k, rect.y + (b.y + b.height) * k, { steps: 4 });
        await page.mouse.up();
      };
      await drag({ x: s0.header.sourceWidth - 70, y: 10, width: 50, height: 40 });
      const bothTracked = async (): Promise<{ id: number; box: Box | null }[]> => {
        const t0b = Date.now();
        for (;;) {
          const t = await targets();
          if (t.length === 2 && t.every((x) => x.box)) return t;
          if (Date.now() - t0b > 60_000) throw new Error(`two targets never tracked: ${JSON.stringify(t)}`);
          await page.waitForTimeout(100);
        }
      };
      const both = await bothTracked();
      expect(both.map((t) => t.id)).toEqual([1, 2]);
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(REPO_ROOT, 'artifacts/dashboard-multi.png') });
      expect(await page.locator('#targets li').count()).toBe(2);
      // A click inside target 2's box stops it; target 1 goes on.
      const [t2] = (await targets()).filter((t) => t.id === 2);
      const b2 = t2.box as Box;
      await page.mouse.click(rect.x + (b2.x + b2.width / 2) * k, rect.y + (b2.y + b2.height / 2) * k);
      await page.waitForFunction(
        () =>
          (
            window as unknown as { __siamstream: { targets: DashboardTargets } }
          ).__siamstream.targets.ids.join() === '1',
        null,
        { timeout: 60_000 },
      );
      // The list's × stops target 1: nothing is tracked.
      await page.click('#targets li[data-id="1"] button');
      await page.waitForFunction(
        () => !(window as unknown as { __siamstream: PageState }).__siamstream.tracking,
        null,
        { timeout: 60_000 },
      );
      // The label timeline: windows, and segments under them (started and ended ones).
      await page.waitForFunction(
        () =>
          (
            window as unknown as { __siamstream: { segments: { open: boolean }[] } }
          ).__siamstream.segments.some((x) => !x.open),
        null,
        { timeout: 60_000 },
      );
      expect(await page.textContent('#segment-now')).toMatch(/^(wave|clap) since \d+\.\d s$/);
      const band = await page.evaluate(() => {
        const c = document.getElementById('labels') as HTMLCanvasElement;
        const px = c.getContext('2d')?.getImageData(0, 50, c.width, 1).data ?? [];
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
        return painted / c.width;
      });
      expect(band).toBeGreaterThan(0.02);
      await page.screenshot({ path: path.join(REPO_ROOT, 'artifacts/dashboard-labels.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
      await server.close();
    }
  }, 300_000);

  it('on a camera server: a menu of the cameras, the one in ?camera= shown, its messages through Redis', async () => {
    const redis = await startRedis();
    const pub = new Redis(redis.url);
    let server: CameraServer | undefined;
    let browser: Browser | undefined;
    try {
      // Two cameras waiting for a worker; this test plays the worker of `b` on Redis.
      await submitJobs(redis.url, 'live', [
        { camera: 'a', source: VIDEO },
        { camera: 'b', source: VIDEO },
      ]);
      server = await serveCameras({ redis: redis.url, port: 0 });
      expect(server.cameras).toEqual(['a', 'b']);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.url}?camera=b`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
      await page.waitForFunction(
        () => (document.getElementById('camera') as HTMLSelectElement).options.length === 2,
      );
      expect(await page.locator('#camera').inputValue()).toBe('b');
      expect(await page.locator('#camera').isVisible()).toBe(true);

      const box = { x: 18, y: 102, width: 44, height: 36 };
      const events = liveKeys('b').events;
      await pub.publish(
        events,
        JSON.stringify({
          type: 'state',
          tracking: true,
          target: 1,
          initBox: box,
          frameIndex: 0,
          targets: [{ id: 1, initBox: box, frameIndex: 0 }],
        }),
      );
      const result = {
        id: 1,
        frameIndex: 1,
        timestampMs: 33,
        box,
        score: 0.9,
        psr: 10,
        lost: false,
        timings: {},
      };
      await pub.publish(
        events,
        JSON.stringify({ type: 'tracks', results: [result], decodedAt: Date.now(), latencyMs: 2 }),
      );
      await page.waitForFunction(
        () => (window as unknown as { __siamstream: PageState }).__siamstream.counters.tracks >= 1,
        null,
        { timeout: 60_000 },
      );
      // Choosing the other camera opens it.
      await page.locator('#camera').selectOption('a');
      await page.waitForURL(/camera=a/);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
      expect(await page.locator('#camera').inputValue()).toBe('a');
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
      await server?.close();
      pub.disconnect();
      await redis.stop();
    }
  });
});
