/**
 * Starts a worker thread on a module beside this one: the compiled `.js` when running from dist;
 * when running from TypeScript source (tsx, vitest), the `.ts` module through tsx's `tsImport`,
 * because a worker does not inherit the parent's loader hooks (`--import tsx` in `execArgv` is not
 * enough under Node 20, and vitest has no such flag at all).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` without extension, e.g. `'jpeg-worker'`; `workerData` is passed through. */
export function spawnWorker(name: string, options: Pick<WorkerOptions, 'workerData'> = {}): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), options);
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(boot, { ...options, eval: true });
}
