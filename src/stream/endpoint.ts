/**
 * The HTTP side every live server shares: the dashboard's static files and the WebSocket endpoint
 * `/ws`, behind the token rules of auth.ts (loopback Host without a token, same-origin sockets,
 * view-only tokens), listening on `host:port`. What a connection is attached to is the caller's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SiamError } from '../errors.js';
import {
  isAllowedHost,
  isSameOrigin,
  requestRole,
  requestToken,
  tokenCookie,
  type ClientRole,
} from './auth.js';
import type { HubSocket } from './hub.js';
import { requestPath, serveStatic } from './static.js';

/** What {@link openEndpoint} serves. */
export interface EndpointOptions {
  host: string;
  port: number;
  /** Checked by auth.ts; undefined on a loopback bind without a token. */
  token: string | undefined;
  viewToken: string | undefined;
  dashboardDir: string;
  maxPayloadBytes: number;
  /**
   * Refuses a WebSocket that passed the token checks, before the upgrade (e.g. an unknown
   * camera): the HTTP status and a line of text; undefined admits it.
   */
  refuse?: (req: IncomingMessage) => { status: number; text: string } | undefined;
  /** An admitted connection. */
  onClient(ws: HubSocket, role: ClientRole, req: IncomingMessage): void;
}

/** A listening endpoint. */
export interface Endpoint {
  readonly port: number;
  /** `http://host:port/`. */
  readonly url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      `Connection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/**
 * Listens. @throws SiamError `ERR_BAD_OPTION` when the port cannot be bound (in use, no
 * permission).
 */
export async function openEndpoint(o: EndpointOptions): Promise<Endpoint> {
  const { token, viewToken } = o;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isAllowedHost(req, token)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('ERR_UNAUTHORIZED: without a token, the server answers only to a loopback Host\n');
      return;
    }
    if (!requestRole(req, token, viewToken)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('ERR_UNAUTHORIZED: a valid token is required (open the page as /?token=…)\n');
      return;
    }
    // The browser's WebSocket cannot send headers: the page hands the token over as a cookie —
    // the one this request presented (a viewer's cookie carries the view-only token).
    const given = requestToken(req);
    const extra: Record<string, string> =
      token !== undefined && given ? { 'set-cookie': tokenCookie(given) } : {};
    void serveStatic(o.dashboardDir, req, res, extra);
  };
  const http = createServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayloadBytes,
    perMessageDeflate: false,
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = requestPath(req);
    if (path === undefined) return refuseUpgrade(socket, 400, 'bad request target');
    if (path !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    if (!isAllowedHost(req, token))
      return refuseUpgrade(socket, 403, 'ERR_UNAUTHORIZED: without a token, only a loopback Host is served');
    const role = requestRole(req, token, viewToken);
    if (!role) return refuseUpgrade(socket, 401, 'ERR_UNAUTHORIZED: a valid token is required');
    if (!isSameOrigin(req))
      return refuseUpgrade(socket, 403, 'ERR_UNAUTHORIZED: cross-origin WebSocket refused');
    const refused = o.refuse?.(req);
    if (refused) return refuseUpgrade(socket, refused.status, refused.text);
    wss.handleUpgrade(req, socket, head, (ws) => o.onClient(ws, role, req));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        new SiamError('ERR_BAD_OPTION', `cannot listen on ${o.host}:${o.port}: ${e.code ?? e.message}`, {
          cause: e,
          hint: 'pick another --port',
        }),
      );
    };
    http.once('error', onError);
    http.listen(o.port, o.host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    port,
    url: `http://${hostForUrl}:${port}/`,
    async close() {
      wss.close();
      await new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      });
    },
  };
}
