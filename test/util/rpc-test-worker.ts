/**
 * A worker for test/util/worker-rpc.test.ts, served by `serveRequests`: `echo` answers its value,
 * `fail` throws a SiamError (or a plain Error), `exit` ends the thread mid-request, `slow` answers
 * after `ms`; with workerData `{ failReady: true }` the hosted object never loads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SiamError } from '../../src/errors.js';
import { serveRequests, type RpcReply } from '../../src/util/worker-rpc.js';

type Req =
  | { id: number; type: 'echo'; value: number }
  | { id: number; type: 'fail'; coded: boolean }
  | { id: number; type: 'exit'; code: number }
  | { id: number; type: 'slow'; ms: number };

const port = parentPort;
if (port) {
  const failReady = (workerData as { failReady?: boolean } | undefined)?.failReady;
  const ready = failReady
    ? Promise.reject(new SiamError('ERR_MODEL_MISSING', 'no model here'))
    : Promise.resolve('host');
  serveRequests<Req, string>(
    port,
    ready,
    () => ({ id: 0, type: 'ready' }),
    async (_host, m): Promise<RpcReply & Record<string, unknown>> => {
      switch (m.type) {
        case 'echo':
          return { id: m.id, type: 'echo', value: m.value };
        case 'fail':
          if (m.coded) throw new SiamError('ERR_BAD_FRAME', 'that frame', { hint: 'send another' });
          throw new Error('plain failure');
        case 'exit':
          process.exit(m.code);
          break;
        case 'slow':
          await new Promise((r) => setTimeout(r, m.ms));
          return { id: m.id, type: 'done' };
      }
      return { id: m.id, type: 'done' };
    },
  );
}
