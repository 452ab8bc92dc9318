/**
 * The one request/reply layer every worker uses (src/util/worker-rpc.ts): replies matched to
 * requests, one error encoding (a SiamError keeps its code and hint; anything else is
 * ERR_INTERNAL naming the worker), one exit policy (a worker that dies fails every pending
 * request with ERR_INTERNAL and its exit code; after terminate() or close() calls are
 * ERR_DISPOSED), close() waiting for the worker's goodbye before ending it.
 */
import { describe, expect, it } from 'vitest';
import { spawnWorker } from '../../src/util/spawn-worker.js';
import { WorkerRpc, type RpcReply } from '../../src/util/worker-rpc.js';

type Req =
  | { type: 'echo'; value: number }
  | { type: 'fail'; coded: boolean }
  | { type: 'exit'; code: number }
  | { type: 'slow'; ms: number };
type Rep = (RpcReply & { type: 'echo'; value: number }) | (RpcReply & { type: 'done' | 'ready' });

function start(workerData?: object): WorkerRpc<Req, Rep> {
  return new WorkerRpc<Req, Rep>(
    spawnWorker(import.meta.url, 'rpc-test-worker', { workerData }),
    'Test worker',
  );
}

describe('WorkerRpc', () => {
  it('matches replies to requests, checks their type, and carries coded errors back', async () => {
    const rpc = start();
    try {
      await rpc.expect(0);
      const [a, b] = await Promise.all([
        rpc.call({ type: 'echo', value: 1 }, 'echo'),
        rpc.call({ type: 'echo', value: 2 }, 'echo'),
      ]);
      expect([a.value, b.value]).toEqual([1, 2]);
      await expect(rpc.call({ type: 'echo', value: 3 }, 'done')).rejects.toMatchObject({
        code: 'ERR_INTERNAL',
        message: expect.stringMatching(/Test worker answered echo, expected done/),
      });
      await expect(rpc.request({ type: 'fail', coded: true })).rejects.toMatchObject({
        code: 'ERR_BAD_FRAME',
        message: 'that frame',
        hint: 'send another',
      });
      await expect(rpc.request({ type: 'fail', coded: false })).rejects.toMatchObject({
        code: 'ERR_INTERNAL',
        message: 'Test worker: plain failure',
      });
    } finally {
      await rpc.terminate('The test worker');
    }
  });

  it('fails every pending request with ERR_INTERNAL and the exit code when the worker dies', async () => {
    const rpc = start();
    await rpc.expect(0);
    const slow = rpc.request({ type: 'slow', ms: 5000 });
    const dying = rpc.request({ type: 'exit', code: 3 });
    for (const p of [slow, dying])
      await expect(p).rejects.toMatchObject({
        code: 'ERR_INTERNAL',
        message: 'Test worker exited (code 3).',
      });
    await expect(rpc.request({ type: 'echo', value: 1 })).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });

  it('after terminate() pending and later requests are ERR_DISPOSED, not the exit', async () => {
    const rpc = start();
    await rpc.expect(0);
    const slow = rpc.request({ type: 'slow', ms: 5000 });
    await rpc.terminate('The test worker');
    await expect(slow).rejects.toMatchObject({
      code: 'ERR_DISPOSED',
      message: 'The test worker was disposed.',
    });
    await expect(rpc.request({ type: 'echo', value: 1 })).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('close() lets the goodbye finish, refuses new requests at once, then ends the worker', async () => {
    const rpc = start();
    await rpc.expect(0);
    const t0 = performance.now();
    const closed = rpc.close({ type: 'slow', ms: 50 }, 'The test worker');
    expect(rpc.close({ type: 'slow', ms: 50 }, 'The test worker')).toBe(closed);
    await expect(rpc.request({ type: 'echo', value: 1 })).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await closed;
    // The worker was ended only once its 50 ms goodbye had answered (timers may fire ~1 ms early).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    await expect(rpc.call({ type: 'echo', value: 1 }, 'echo')).rejects.toMatchObject({
      code: 'ERR_DISPOSED',
    });
  });

  it('a hosted object that fails to load answers every request with its error', async () => {
    const rpc = start({ failReady: true });
    try {
      await expect(rpc.request({ type: 'echo', value: 1 })).rejects.toMatchObject({
        code: 'ERR_MODEL_MISSING',
        message: 'no model here',
      });
    } finally {
      await rpc.terminate('The test worker');
    }
  });
});
