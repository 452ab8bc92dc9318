/**
 * A live session's rolling counters for `stats`: kept by the local session (session.ts) and by a
 * camera relayed from a worker (remote-camera.ts). A module of its own so that the camera server
 * does not load the local pipeline to get them.
 */

/** Rolling counters for `stats`. */
export interface SessionCounters {
  framesIn: number;
  tracksOut: number;
  decoderDropped: number;
  trackerSkipped: number;
  /** decoded → result latencies (ms) since the last `takeWindow()` (session.ts). */
  latencies: number[];
}

/** Counters at zero (a session's start, or a relayed camera's). */
export function emptyCounters(): SessionCounters {
  return { framesIn: 0, tracksOut: 0, decoderDropped: 0, trackerSkipped: 0, latencies: [] };
}
