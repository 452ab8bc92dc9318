/** Pure parts of the live server: message validation, binary frames, the client queue, auth helpers. */
import { describe, expect, it } from 'vitest';
import { ClientQueue, type QueueSocket } from '../../src/stream/client-queue.js';
import { checkBind, checkViewToken, isLoopbackHost, tokensEqual } from '../../src/stream/auth.js';
import { resolveStaticPath } from '../../src/stream/static.js';
import { isSiamError } from '../../src/errors.js';
import {
  decodeFrameMessage,
  encodeFrameMessage,
  parseClientMessage,
  type FrameHeader,
} from '../../src/stream/protocol.js';
import { percentile } from '../../src/util/percentile.js';

describe('parseClientMessage', () => {
  const ok = (m: unknown) => parseClientMessage(Buffer.from(JSON.stringify(m)), false);

  it('accepts the three client messages', () => {
    expect(ok({ type: 'init', box: { x: 1, y: 2, width: 3, height: 4 } })).toEqual({
      ok: true,
      message: { type: 'init', box: { x: 1, y: 2, width: 3, height: 4 } },
    });
    expect(ok({ type: 'init', id: 'q', frameIndex: 12, box: { x: 0, y: 0, width: 1, height: 1 } }).ok).toBe(
      true,
    );
    expect(ok({ type: 'stop' }).ok).toBe(true);
    expect(ok({ type: 'subscribe', types: ['track', 'frame'] }).ok).toBe(true);
    expect(ok({ type: 'subscribe', types: [] }).ok).toBe(true);
  });

  it.each([
    ['not JSON', '{'],
    ['a non-object', '42'],
    ['null', 'null'],
    ['an unknown type', '{"type":"reboot"}'],
    ['a missing box', '{"type":"init"}'],
    ['a negative size', '{"type":"init","box":{"x":0,"y":0,"width":-1,"height":2}}'],
    ['a NaN-ish coordinate', '{"type":"init","box":{"x":"1","y":0,"width":1,"height":2}}'],
    ['an extra key', '{"type":"stop","force":true}'],
    ['an unknown stream', '{"type":"subscribe","types":["video"]}'],
    ['a fractional frameIndex', '{"type":"init","frameIndex":1.5,"box":{"x":0,"y":0,"width":1,"height":2}}'],
  ])('refuses %s', (_what, text) => {
    const r = parseClientMessage(Buffer.from(text), false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
  });

  it('refuses binary messages and echoes the id of a bad message', () => {
    expect(parseClientMessage(Buffer.from('{"type":"stop"}'), true).ok).toBe(false);
    expect(parseClientMessage(Buffer.from('{"type":"init","id":9}'), false)).toMatchObject({
      ok: false,
      id: 9,
    });
  });

  it('round-trips a binary frame message', () => {
    const header: FrameHeader = {
      type: 'frame',
      frameIndex: 3,
      timestampMs: 100,
      decodedAt: 1.5,
      width: 4,
      height: 2,
      sourceWidth: 8,
      sourceHeight: 4,
    };
    const jpeg = new Uint8Array([0xff, 0xd8, 1, 2, 3]);
    const back = decodeFrameMessage(encodeFrameMessage(header, jpeg));
    expect(back.header).toEqual(header);
    expect(Array.from(back.jpeg)).toEqual(Array.from(jpeg));
  });
});

/** A socket whose backlog the test controls; write callbacks are fired by hand. */
function fakeSocket() {
  const sent: { data: string | Buffer; binary: boolean }[] = [];
  const callbacks: ((err?: Error) => void)[] = [];
  const s = {
    bufferedAmount: 0,
    readyState: 1,
    sent,
    send(data: string | Buffer, o: { binary: boolean }, cb: (err?: Error) => void) {
      sent.push({ data, binary: o.binary });
      callbacks.push(cb);
    },
    drain() {
      for (const cb of callbacks.splice(0)) cb();
    },
  };
  return s satisfies QueueSocket & { drain(): void };
}

describe('ClientQueue', () => {
  it('sends messages at once while the socket has room, and holds them (bounded) when it has not', () => {
    const s = fakeSocket();
    const q = new ClientQueue(s, { maxBufferedBytes: 100, maxQueuedMessages: 3 });
    q.sendMessage('a');
    expect(s.sent.map((x) => x.data)).toEqual(['a']);
    s.bufferedAmount = 500;
    for (const m of ['b', 'c', 'd', 'e']) q.sendMessage(m);
    expect(s.sent).toHaveLength(1);
    expect(q.queuedMessages).toBe(3);
    expect(q.counters.messagesDropped).toBe(1); // 'b', the oldest
    s.bufferedAmount = 0;
    s.drain();
    expect(s.sent.map((x) => x.data)).toEqual(['a', 'c', 'd', 'e']);
  });

  it('keeps one frame in flight and one waiting, dropping older waiting frames', () => {
    const s = fakeSocket();
    const q = new ClientQueue(s, { frameBufferedBytes: 1000 });
    expect(q.wantsFrame).toBe(true);
    q.offerFrame(Buffer.from('f1'));
    expect(q.wantsFrame).toBe(false); // f1 in flight
    q.offerFrame(Buffer.from('f2'));
    q.offerFrame(Buffer.from('f3'));
    expect(q.counters.framesDropped).toBe(1); // f2 replaced by f3
    q.sendMessage('track'); // messages overtake the waiting frame
    expect(s.sent.map((x) => String(x.data))).toEqual(['f1', 'track']);
    s.drain();
    expect(s.sent.map((x) => String(x.data))).toEqual(['f1', 'track', 'f3']);
    s.bufferedAmount = 5000;
    s.drain();
    expect(q.wantsFrame).toBe(false); // socket backed up
    q.skipFrame();
    expect(q.counters.framesDropped).toBe(2);
  });

  it('sends no frames to a client not subscribed to them, and nothing after close', () => {
    const s = fakeSocket();
    const q = new ClientQueue(s);
    q.subscribed.delete('frame');
    expect(q.wantsFrame).toBe(false);
    q.offerFrame(Buffer.from('f'));
    q.close();
    q.sendMessage('x');
    expect(s.sent).toHaveLength(0);
  });
});

describe('auth and static helpers', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'example.com', '::ffff:10.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-local bind without a token, accepts one from the environment', () => {
    let err: unknown;
    try {
      checkBind('0.0.0.0', undefined, {});
    } catch (e) {
      err = e;
    }
    expect(isSiamError(err, 'ERR_INSECURE_BIND')).toBe(true);
    expect(checkBind('0.0.0.0', undefined, { SIAMSTREAM_TOKEN: 'env-token-123' })).toBe('env-token-123');
    expect(checkBind('127.0.0.1', undefined, {})).toBeUndefined();
    expect(() => checkBind('0.0.0.0', 'short', {})).toThrow(/at least 8/);
  });

  it('refuses a token or view-only token with a control character, as its message says (main accepted \\x01)', () => {
    for (const bad of ['abcd\x01efgh', 'abcdefgh\x7f', 'abcd\x1b[0mefgh', 'abcd\u0085efgh', 'abcd efgh']) {
      expect(() => checkBind('0.0.0.0', bad, {}), JSON.stringify(bad)).toThrow(
        expect.objectContaining({
          code: 'ERR_BAD_OPTION',
          message: expect.stringContaining('control characters'),
        }),
      );
      expect(() => checkBind('127.0.0.1', undefined, { SIAMSTREAM_TOKEN: bad }), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_OPTION' }),
      );
      expect(() => checkViewToken(bad, 'control-token-1'), JSON.stringify(bad)).toThrow(
        expect.objectContaining({
          code: 'ERR_BAD_OPTION',
          message: expect.stringContaining('control characters'),
        }),
      );
    }
    expect(checkBind('0.0.0.0', 'tok-\u00e9t\u00e9-123', {})).toBe('tok-\u00e9t\u00e9-123'); // printable non-ASCII is fine
    expect(() => checkViewToken('view-token-1', 'control-token-1')).not.toThrow();
  });

  it('compares tokens', () => {
    expect(tokensEqual('abcdefgh', 'abcdefgh')).toBe(true);
    expect(tokensEqual('abcdefgh', 'abcdefgi')).toBe(false);
    expect(tokensEqual('abc', 'abcdefgh')).toBe(false);
  });

  it('resolves static paths inside the root only', () => {
    const root = '/srv/dash';
    expect(resolveStaticPath(root, '/')).toBe('/srv/dash/index.html');
    expect(resolveStaticPath(root, '/app.js')).toBe('/srv/dash/app.js');
    for (const p of [
      '/../x',
      '/%2e%2e/x',
      '/a/../../x',
      '/..%2fx',
      '/%5c..%5cx',
      '/%00',
      '/.env',
      '/.git/config',
      '/%E0%A4%A',
    ]) {
      expect(resolveStaticPath(root, p), p).toBeNull();
    }
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(
      percentile(
        [...Array(100).keys()].map((i) => i + 1),
        95,
      ),
    ).toBe(95);
  });
});
