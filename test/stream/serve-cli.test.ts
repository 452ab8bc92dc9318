/**
 * `siamstream serve` as a process: refuses an insecure bind; serves (several `--box` targets),
 * prints its URL, stops on SIGTERM.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { RecordingClient, spawnServe } from './helpers.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const VIDEO = path.join(REPO_ROOT, 'samples/tracking/video.mp4');

const cli = spawnServe;

describe.skipIf(!existsSync(VIDEO))('siamstream serve (CLI)', () => {
  it('refuses --host 0.0.0.0 without a token (ERR_INSECURE_BIND, exit 2)', async () => {
    const p = cli(['--source', VIDEO, '--host', '0.0.0.0', '--port', '0']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(
      /siamstream: ERR_INSECURE_BIND: refusing to bind 0\.0\.0\.0 without a token \(hint: /,
    );
  });

  it('needs --source or --redis (ERR_BAD_OPTION, exit 2)', async () => {
    const p = cli(['--port', '0']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/ERR_BAD_OPTION: Expected --source \(a file, camera or URL\) or --redis\./);
  });

  it("refuses a --box outside the file's frames (ERR_BAD_BOX, exit 2) before serving", async () => {
    const p = cli(['--source', VIDEO, '--port', '0', '--box', '900,700,40,40']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/siamstream: ERR_BAD_BOX: The box 900,700,40,40 is outside the 320x240 frame/);
    expect(p.err()).not.toMatch(/dashboard at/);
  });

  it('serves the dashboard, tracks each --box as a target, prints its URL with --json, and exits 143 on SIGTERM', async () => {
    const p = cli([
      '--source',
      VIDEO,
      '--loop',
      '--port',
      '0',
      '--json',
      '--box',
      '18,102,44,36',
      '--box',
      '200,40,40,40',
      '--backend',
      'wasm',
    ]);
    try {
      const t0 = Date.now();
      while (!p.out().includes('\n') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
      const { url, ws } = JSON.parse(p.out().split('\n')[0] as string) as { url: string; ws: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(ws).toBe(`${url.replace('http', 'ws')}ws`);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/siamstream/);
      const c = new RecordingClient(ws);
      await c.opened;
      await c.waitFor(
        (x) => new Set(x.of('track').map((t) => t.result.id)).size === 2,
        30_000,
        'both targets',
      );
      // The latest word on the targets: a hello (if they started before we connected) or a state.
      const latest = c.messages.filter((m) => m.msg.type === 'hello' || m.msg.type === 'state').at(-1)?.msg;
      expect(latest && 'targets' in latest ? latest.targets.map((t) => t.id) : null).toEqual([1, 2]);
      await c.close();
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(143);
  });
});
