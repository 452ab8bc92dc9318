/** Public API: each stage's front door (STYLE.md §1). */
export type { Frame, Box, TrackResult, ClipLabel } from './types.js';
export { SiamError, isSiamError, ERROR_CODES, type ErrorCode } from './errors.js';
export { initBackend, type BackendName, type BackendInfo } from './backend/backend.js';
export * from './decode/index.js';
export * from './stream/index.js';
export * from './eval/index.js';
export * from './classify/index.js';
export * from './track/index.js';
