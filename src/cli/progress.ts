/**
 * Progress display for long jobs: a bar with frames, fps and ETA on a TTY (stderr), nothing
 * otherwise, so that machine-readable stdout stays clean. Built on cli-progress.
 */
import cliProgress from 'cli-progress';

/** A progress display (a no-op when stderr is not a TTY). */
export interface Progress {
  /** Advance by `n` units (frames, clips…). */
  tick(n?: number): void;
  /** Set the total when it becomes known. */
  setTotal(total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a TTY (or `force`), otherwise a no-op.
 * `unit` names what is counted (shown beside the rate: "frames", "clips").
 */
export function createProgress(options: {
  label: string;
  total?: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
  force?: boolean;
}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!(options.force || stream.isTTY)) {
    return { tick() {}, setTotal() {}, stop() {} };
  }
  const unit = options.unit ?? 'frames';
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = performance.now();
  let value = 0;
  bar.start(options.total ?? 0, 0, { rate: '0.0' });
  return {
    tick(n = 1) {
      value += n;
      const seconds = (performance.now() - start) / 1000;
      bar.update(value, { rate: seconds > 0 ? (value / seconds).toFixed(1) : '0.0' });
    },
    setTotal(total: number) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}
