/**
 * docs/protocol.md shows the protocol the server speaks: its title's version and every example's
 * `"version"` are PROTOCOL_VERSION (an example once said 1 under "version 2").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/stream/protocol.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const doc = readFileSync(path.join(REPO_ROOT, 'docs/protocol.md'), 'utf8');

describe('docs/protocol.md', () => {
  it('names the current protocol version in its title and in every example message', () => {
    expect(doc).toMatch(new RegExp(`^# WebSocket protocol \\(version ${PROTOCOL_VERSION}\\)`));
    const versions = [...doc.matchAll(/"version":\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.every((v) => v === PROTOCOL_VERSION)).toBe(true);
  });
});
