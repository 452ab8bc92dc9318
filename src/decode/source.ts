/**
 * What kind of source a string names, and whether we accept it. Only local files, V4L2 cameras,
 * stdin (`-`) and network protocols are allowed; ffmpeg's other protocols (`file:`, `concat:`,
 * `subfile:`, `data:`, `pipe:`, `crypto:`, …) can read arbitrary local files or file descriptors
 * and are refused, so a URL typed by a remote user cannot make ffmpeg read `/etc/passwd`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SiamError } from '../errors.js';

/** The kinds of sources `decode()` understands. */
export type SourceKind = 'file' | 'camera' | 'network' | 'stdin';

/** A source string, classified and made safe to hand to ffmpeg. */
export interface ResolvedSource {
  kind: SourceKind;
  /** The string the user gave. */
  original: string;
  /** What ffmpeg receives after `-i`: `file:`+absolute path for files (so a `:` in a name is not a protocol). */
  ffmpegInput: string;
  /** Input options that select the demuxer (`-f v4l2` for cameras). */
  inputOptions: string[];
  /** Live sources (cameras, network) reconnect and default to `latest` backpressure. */
  live: boolean;
}

/** Network protocols ffmpeg may open on our behalf. */
export const NETWORK_PROTOCOLS: readonly string[] = [
  'http',
  'https',
  'rtsp',
  'rtsps',
  'rtmp',
  'rtmps',
  'rtp',
  'srt',
  'udp',
  'tcp',
];

/**
 * `-protocol_whitelist` for network inputs: what a network stream may open in turn (an HLS playlist
 * or an SDP file names further URLs). Leaves out `file`, `pipe`, `concat`, `subfile`, `data`.
 */
const NETWORK_WHITELIST = 'http,https,tls,tcp,udp,rtp,srtp,rtsp,rtsps,rtmp,rtmps,rtmpt,srt,crypto,httpproxy';

const CAMERA_RE = /^\/dev\/video\d+$/;
/** `scheme://user:password@` anywhere in a text (ffmpeg repeats the input URL in its errors). */
const CREDENTIALS_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/gi;

/**
 * `rtsp://user:secret@host/…` → `rtsp://user:***@host/…`, wherever a URL stands in `text`: for
 * logs, error messages and ffmpeg's stderr tail (which the live server forwards to its clients).
 */
export function redactUrl(text: string): string {
  return text.replace(CREDENTIALS_RE, '$1:***@');
}
const PROTOCOL_RE = /^([a-z][a-z0-9+.-]*):/i;

function refuse(message: string, hint: string): SiamError {
  return new SiamError('ERR_UNSUPPORTED_SOURCE', message, { hint });
}

/**
 * The kind of source `source` names, from the string alone (no file-system access): `-` is stdin,
 * `/dev/videoN` a camera, an allowed `protocol://` a network stream, anything else a file path.
 * @throws SiamError `ERR_UNSUPPORTED_SOURCE` for refused protocols or option-like strings.
 */
export function sourceKind(source: string): SourceKind {
  if (typeof source !== 'string' || source.length === 0) {
    throw refuse(
      `expected a source string, got ${JSON.stringify(source)}`,
      'give a file path, /dev/videoN, an rtsp/http(s)/udp URL, or - for stdin',
    );
  }
  if (source === '-') return 'stdin';
  const protocol = PROTOCOL_RE.exec(source)?.[1]?.toLowerCase();
  // A one-letter "protocol" is a Windows drive letter (C:\video.mp4), not a protocol.
  if (protocol && protocol.length > 1) {
    if (!NETWORK_PROTOCOLS.includes(protocol)) {
      throw refuse(
        `protocol "${protocol}:" is not allowed (${redactUrl(source)})`,
        `give a plain file path, /dev/videoN, - for stdin, or a URL with one of: ${NETWORK_PROTOCOLS.join(', ')}`,
      );
    }
    return 'network';
  }
  if (source.startsWith('-')) {
    throw refuse(
      `a source may not start with "-" (${source})`,
      'prefix a file name that starts with - with ./',
    );
  }
  return CAMERA_RE.test(source) ? 'camera' : 'file';
}

/**
 * True for cameras and network streams (decoded in `latest` mode and reconnected), from the
 * string alone. @throws SiamError `ERR_UNSUPPORTED_SOURCE` as {@link sourceKind}.
 */
export function isLiveSource(source: string): boolean {
  const kind = sourceKind(source);
  return kind === 'camera' || kind === 'network';
}

/**
 * Classifies `source`. Does not touch the file system except to check that a file or camera exists.
 * @throws SiamError `ERR_UNSUPPORTED_SOURCE` for refused protocols or option-like strings,
 *   `ERR_SOURCE_NOT_FOUND` for a missing file or camera.
 */
export function resolveSource(source: string): ResolvedSource {
  const kind = sourceKind(source);
  if (kind === 'stdin') {
    return { kind, original: source, ffmpegInput: 'pipe:0', inputOptions: [], live: false };
  }
  if (kind === 'network') {
    return {
      kind,
      original: source,
      ffmpegInput: source,
      inputOptions: ['-protocol_whitelist', NETWORK_WHITELIST],
      live: true,
    };
  }
  if (kind === 'camera') {
    if (!existsSync(source)) {
      throw new SiamError('ERR_SOURCE_NOT_FOUND', `camera ${source} does not exist`, {
        hint: 'list cameras with ls /dev/video*; in a container, pass the device through',
      });
    }
    return { kind, original: source, ffmpegInput: source, inputOptions: ['-f', 'v4l2'], live: true };
  }
  const abs = path.resolve(source);
  let isFile = false;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new SiamError('ERR_SOURCE_NOT_FOUND', `no such file: ${source}`, {
      hint: 'check the path (relative paths are resolved from the current directory)',
      details: { path: abs },
    });
  }
  return { kind, original: source, ffmpegInput: `file:${abs}`, inputOptions: [], live: false };
}
