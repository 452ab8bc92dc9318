/**
 * A tracker hosted in a worker thread (`thread: 'worker'`), behind the same {@link MultiTracker}
 * interface (and, holding one target, the same {@link Tracker}: tracker.ts wraps it). Its owner's
 * event loop then only moves bytes: the live server keeps reading ffmpeg's pipe (so `latest` mode
 * drops stale frames instead of letting them queue) and keeps writing to sockets while the
 * tracker computes. A frame is copied to the thread (~0.3 ms for 640x360). One request mechanism:
 * WorkerRpc (numbered requests, one error encoding; a thread that dies fails every pending call
 * with ERR_INTERNAL; a call after `dispose()` is ERR_DISPOSED).
 *
 * `ids` is kept here from the replies, so it is synchronous as on the in-thread tracker: a target
 * appears once its `add` has resolved (unless removed meanwhile) and leaves as soon as `remove`
 * is called (requests reach the thread in the order they were made).
 */
import type { Box, Frame } from '../types.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';
import type { MultiTracker, TargetResult } from './multi-tracker.js';
import type { ResolvedTrackerOptions, TrackerOptions } from './params.js';
import type { ThreadReply, ThreadRequest } from './tracker-thread.js';

/** Starts the thread and resolves once its model is loaded. */
export async function createThreadMultiTracker(options: TrackerOptions): Promise<MultiTracker> {
  const rpc = new WorkerRpc<ThreadRequest, ThreadReply>(
    spawnWorker(import.meta.url, 'tracker-thread', { workerData: { options } }),
    'Tracker thread',
  );
  const resolved = (await rpc.ready('The tracker')).options;
  return new ThreadMultiTracker(rpc, { ...resolved, thread: 'worker' });
}

class ThreadMultiTracker implements MultiTracker {
  private targetIds: number[] = [];
  /** Request order: an `add` answered after a `remove` of its id (or a `clear`) was asked must not list it. */
  private seq = 0;
  private readonly removedAt = new Map<number, number>();
  private clearedAt = 0;

  constructor(
    private readonly rpc: WorkerRpc<ThreadRequest, ThreadReply>,
    readonly options: Readonly<ResolvedTrackerOptions>,
  ) {}

  get ids(): readonly number[] {
    return this.targetIds;
  }

  async add(frame: Frame, box: Box, id?: number): Promise<TargetResult> {
    const sent = ++this.seq;
    const { result } = await this.rpc.call({ type: 'add', frame, box, target: id }, 'added');
    const gone = (this.removedAt.get(result.id) ?? 0) > sent || this.clearedAt > sent;
    if (!gone) this.targetIds = [...this.targetIds.filter((t) => t !== result.id), result.id];
    return result;
  }

  remove(id: number): boolean {
    const had = this.targetIds.includes(id);
    this.removedAt.set(id, ++this.seq);
    this.targetIds = this.targetIds.filter((t) => t !== id);
    // Ordered before any later request; nothing to wait for.
    this.rpc.request({ type: 'remove', target: id }).catch(() => undefined);
    return had;
  }

  clear(): void {
    this.targetIds = [];
    this.removedAt.clear();
    this.clearedAt = ++this.seq;
    this.rpc.request({ type: 'clear' }).catch(() => undefined);
  }

  async update(frame: Frame): Promise<TargetResult[]> {
    return (await this.rpc.call({ type: 'update', frame }, 'results')).results;
  }

  async numTensors(): Promise<number[]> {
    return (await this.rpc.call({ type: 'memory' }, 'memory')).numTensors;
  }

  /** The thread ends once it has freed its model; calls from now on are ERR_DISPOSED. */
  dispose(): Promise<void> {
    this.targetIds = [];
    return this.rpc.close({ type: 'dispose' }, 'The tracker');
  }
}
