/** Job ids derived from inputs, job data checked, Redis URLs redacted, an unreachable Redis reported. */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobData, prepareJob } from '../../src/queue/jobs.js';
import { liveCommandSchema } from '../../src/queue/live-channels.js';
import { connectRedis, redactRedisUrl } from '../../src/queue/redis.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-jobs-'));
  await writeFile(path.join(dir, 'a.mp4'), 'clip a');
  await writeFile(path.join(dir, 'b.mp4'), 'clip b');
  await writeFile(path.join(dir, 'classifier.json'), '{}');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('job ids', () => {
  it('are the same for the same input and change with the file, its contents, the model or the options', async () => {
    const job = { file: path.join(dir, 'a.mp4'), model: dir };
    const a = await prepareJob('classify', job);
    expect(a.id).toMatch(/^classify-[0-9a-f]{32}$/);
    expect((await prepareJob('classify', { ...job })).id).toBe(a.id);
    expect((await prepareJob('classify', { ...job, window: undefined })).id).toBe(a.id);
    // A relative path names the same file: the same job.
    const rel = path.relative(process.cwd(), job.file);
    expect((await prepareJob('classify', { ...job, file: rel })).id).toBe(a.id);
    expect(a.data.file).toBe(job.file);
    expect((await prepareJob('classify', { ...job, file: path.join(dir, 'b.mp4') })).id).not.toBe(a.id);
    expect((await prepareJob('classify', { ...job, window: 8 })).id).not.toBe(a.id);
    await utimes(job.file, new Date(), new Date(Date.now() + 5000)); // the file changed
    expect((await prepareJob('classify', job)).id).not.toBe(a.id);
    const t = await prepareJob('track', { source: job.file, boxes: ['1,2,3,4'], out: 'r.csv' });
    expect(t.id).toMatch(/^track-/);
    expect(t.data.out).toBe(path.resolve('r.csv'));
  });

  it('need inputs that exist (every worker must read them) and valid data', async () => {
    await expect(
      prepareJob('classify', { file: path.join(dir, 'missing.mp4'), model: dir }),
    ).rejects.toMatchObject({
      code: 'ERR_SOURCE_NOT_FOUND',
    });
    expect(() => checkJobData('track', { source: 'x', boxes: ['1,2,3'], out: 'o.csv' })).toThrow(/boxes\.0/);
    expect(() => checkJobData('classify', { file: 'x', model: 'm', extra: 1 })).toThrow(
      /ERR_BAD_OPTION|invalid/,
    );
  });
});

describe('Redis URLs', () => {
  it('of a camera session are its name; its file must exist, a camera or URL is taken as is', async () => {
    const file = path.join(dir, 'a.mp4');
    const live = await prepareJob('live', { camera: 'gate-1', source: path.relative(process.cwd(), file) });
    expect(live.id).toBe('live-gate-1');
    expect(live.data.source).toBe(file);
    expect(live.data.submittedAt).toBeGreaterThan(Date.now() - 60_000);
    const url = await prepareJob('live', {
      camera: 'cam.7',
      source: 'rtsp://cam-7/stream',
      boxes: ['1,2,3,4'],
    });
    expect(url.data.source).toBe('rtsp://cam-7/stream');
    await expect(prepareJob('live', { camera: 'a b', source: file })).rejects.toMatchObject({
      code: 'ERR_BAD_OPTION',
      message: expect.stringMatching(/camera: letters, digits/) as unknown,
    });
    await expect(
      prepareJob('live', { camera: 'x', source: path.join(dir, 'gone.mp4') }),
    ).rejects.toMatchObject({
      code: 'ERR_SOURCE_NOT_FOUND',
    });
  });

  it("check what arrives on a camera's commands channel (Redis is a boundary too)", () => {
    const ok = liveCommandSchema.safeParse({
      type: 'init',
      box: { x: 1, y: 2, width: 3, height: 4 },
      target: 2,
    });
    expect(ok.success).toBe(true);
    for (const bad of [
      { type: 'init', box: { x: 1, y: 2, width: 3 } },
      { type: 'init', box: { x: 1, y: 2, width: 3, height: 4 }, extra: 1 },
      { type: 'stop', target: 0 },
      { type: 'end', now: true },
      { type: 'reboot' },
      'end',
    ])
      expect(liveCommandSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('never show a password', () => {
    expect(redactRedisUrl('redis://:s3cret@host:6379/0')).toBe('redis://:***@host:6379/0');
    expect(redactRedisUrl('redis://user:s3cret@host:6379')).not.toMatch(/s3cret/);
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379');
    // Forms ioredis also takes: a lone user is the password; options in the query.
    expect(redactRedisUrl('redis://s3cret@host:6379')).toBe('redis://***@host:6379');
    expect(redactRedisUrl('redis://host:6379/?password=s3cret&db=2')).toBe(
      'redis://host:6379/?password=***&db=2',
    );
    expect(redactRedisUrl('redis://host/?sentinelPassword=s3cret')).not.toMatch(/s3cret/);
    expect(redactRedisUrl('not a url s3cret')).not.toMatch(/s3cret/);
  });

  it('an unreachable Redis is ERR_REDIS_UNAVAILABLE, its password redacted; a wrong scheme ERR_BAD_OPTION', async () => {
    const e = await connectRedis('redis://:s3cret@127.0.0.1:1').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect(String((e as Error).message)).not.toMatch(/s3cret/);
    await expect(connectRedis('http://127.0.0.1:6379')).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
  });
});
