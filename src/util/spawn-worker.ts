/**
 * Starts a worker thread on a module beside the caller: the compiled `.js` when running from dist;
 * when running from TypeScript source (tsx, vitest), the `.ts` module through tsx's `tsImport`,
 * because a worker does not inherit the parent's loader hooks (`--import tsx` in `execArgv` is not
 * enough under Node 20, and vitest has no such flag at all). tsx is a dev dependency: the installed
 * package only ever takes the `.js` branch.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * @param callerUrl the caller's `import.meta.url` (the worker module is resolved beside it)
 * @param name the worker module's file name without extension, e.g. `'jpeg-worker'`
 */
export function spawnWorker(
  callerUrl: string,
  name: string,
  options: Pick<WorkerOptions, 'workerData'> = {},
): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const tsxApi = pathToFileURL(
    createRequire(callerUrl)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(boot, { ...options, eval: true });
}
