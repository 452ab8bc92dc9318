/**
 * Which ffmpeg binary to run: `FFMPEG_PATH`, else `ffmpeg` on `PATH`, else the static binary that
 * `@ffmpeg-installer/ffmpeg` ships (a 2018 build without ffprobe). Also says what the binary can do,
 * since the options we pass depend on its version.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SiamError } from '../errors.js';
import { parentDeathCommand } from '../util/child-process.js';
import { findOnPath, isExecutableFile } from '../util/executable.js';

/** Where the ffmpeg binary was found. */
export interface FfmpegLocation {
  /** Absolute path (or the value of `FFMPEG_PATH`) of the ffmpeg binary. */
  path: string;
  /** `FFMPEG_PATH` (the environment variable), `system` (found on `PATH`) or `packaged` (@ffmpeg-installer/ffmpeg). */
  source: 'FFMPEG_PATH' | 'system' | 'packaged';
  /** ffprobe next to it (or `FFPROBE_PATH`, or on `PATH`), when there is one. */
  ffprobePath?: string;
}

function findFfprobe(ffmpegPath: string, searchPath: boolean): string | undefined {
  const fromEnv = process.env.FFPROBE_PATH;
  if (fromEnv && isExecutableFile(fromEnv)) return fromEnv;
  const sibling = path.join(
    path.dirname(ffmpegPath),
    process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe',
  );
  if (isExecutableFile(sibling)) return sibling;
  return searchPath ? findOnPath(process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe') : undefined;
}

/**
 * Finds ffmpeg: `FFMPEG_PATH`, else `ffmpeg` on `PATH`, else `@ffmpeg-installer/ffmpeg`'s binary.
 * Cheap (a few `stat` calls), so it is re-evaluated on every call and follows changes of the environment.
 * @throws SiamError `ERR_FFMPEG_NOT_FOUND` when none is usable (or `FFMPEG_PATH` names a missing file).
 */
export function resolveFfmpeg(): FfmpegLocation {
  const fromEnv = process.env.FFMPEG_PATH;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) {
      throw new SiamError('ERR_FFMPEG_NOT_FOUND', `FFMPEG_PATH=${fromEnv} is not an executable file`, {
        hint: 'fix or unset FFMPEG_PATH (then ffmpeg on PATH, else the packaged binary is used)',
      });
    }
    return { path: fromEnv, source: 'FFMPEG_PATH', ffprobePath: findFfprobe(fromEnv, false) };
  }
  const onPath = findOnPath(process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
  if (onPath) return { path: onPath, source: 'system', ffprobePath: findFfprobe(onPath, true) };
  try {
    const require = createRequire(import.meta.url);
    const packaged = require('@ffmpeg-installer/ffmpeg') as { path: string };
    if (isExecutableFile(packaged.path)) {
      return { path: packaged.path, source: 'packaged', ffprobePath: findFfprobe(packaged.path, false) };
    }
  } catch {
    // Not installed (an optional peer, on request) or not for this platform: the error below.
  }
  throw new SiamError(
    'ERR_FFMPEG_NOT_FOUND',
    'no ffmpeg binary found (FFMPEG_PATH, PATH, @ffmpeg-installer/ffmpeg)',
    {
      hint: 'install ffmpeg (e.g. apt-get install ffmpeg), set FFMPEG_PATH, or npm install @ffmpeg-installer/ffmpeg',
    },
  );
}

/** What a given ffmpeg binary supports, from its `-version` line. */
export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`, e.g. `ffmpeg version 5.1.9-0+deb12u1 Copyright …`. */
  versionLine: string;
  /** `[major, minor]` when the version is a release number; undefined for git snapshots (`N-47683-g…`). */
  version?: [number, number];
  /** `-fps_mode` exists (ffmpeg ≥ 5.1); older builds only know `-vsync`. */
  fpsMode: boolean;
  /** `showinfo=checksum=0` exists (ffmpeg ≥ 5.0); older builds always checksum every frame. */
  showinfoChecksumOption: boolean;
}

const capabilityCache = new Map<string, FfmpegCapabilities>();

/** How both ways below run `ffmpeg -version`. */
const VERSION_ARGS = ['-hide_banner', '-version'];
const VERSION_RUN = { encoding: 'utf8', timeout: 10_000 } as const;

/**
 * Runs `ffmpeg -version` without blocking and caches what {@link ffmpegCapabilities} would find, so
 * a later decode does not wait for it (a command starts this while its model loads). Never rejects:
 * a failure is left for {@link ffmpegCapabilities} to report.
 */
export async function prefetchFfmpegCapabilities(ffmpegPath: string): Promise<void> {
  if (capabilityCache.has(ffmpegPath)) return;
  const out = await new Promise<string | undefined>((resolve) =>
    execFile(...parentDeathCommand(ffmpegPath, VERSION_ARGS), VERSION_RUN, (e, stdout) =>
      resolve(e ? undefined : stdout),
    ),
  );
  if (out !== undefined && !capabilityCache.has(ffmpegPath))
    capabilityCache.set(ffmpegPath, parseCapabilities(out));
}

/** Runs `ffmpeg -version` once per binary (cached) and says which options it understands. */
export function ffmpegCapabilities(ffmpegPath: string): FfmpegCapabilities {
  const cached = capabilityCache.get(ffmpegPath);
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync(...parentDeathCommand(ffmpegPath, VERSION_ARGS), VERSION_RUN);
  } catch (e) {
    throw new SiamError(
      'ERR_FFMPEG_NOT_FOUND',
      `could not run ${ffmpegPath} -version: ${(e as Error).message}`,
      {
        hint: 'check that the binary runs on this machine, or set FFMPEG_PATH to one that does',
        cause: e,
      },
    );
  }
  const caps = parseCapabilities(out);
  capabilityCache.set(ffmpegPath, caps);
  return caps;
}

/** What `ffmpeg -version`'s output says the binary supports. */
function parseCapabilities(out: string): FfmpegCapabilities {
  const versionLine = out.split('\n')[0]?.trim() || 'unknown';
  const m = /version n?(\d+)\.(\d+)/.exec(versionLine);
  const version: [number, number] | undefined = m ? [Number(m[1]), Number(m[2])] : undefined;
  const atLeast = (maj: number, min: number): boolean =>
    version !== undefined && (version[0] > maj || (version[0] === maj && version[1] >= min));
  const caps: FfmpegCapabilities = {
    versionLine,
    version,
    fpsMode: atLeast(5, 1),
    showinfoChecksumOption: atLeast(5, 0),
  };
  return caps;
}
