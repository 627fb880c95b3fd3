import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse } from 'msw';
import { type AuthHandlersOptions, type AuthMock, createAuthHandlers } from '../createAuthHandlers.js';

/** Options of {@link serveAuthMock}. */
export interface ServeAuthMockOptions extends AuthHandlersOptions {
  /**
   * The port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * The interface to bind.
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

/** A mock auth server listening on a real socket. */
export interface ServedAuthMock {
  /** The base URL to give the SDK, e.g. `http://127.0.0.1:43117/v1`. */
  readonly url: string;
  /** The mock: its tokens, log, counts and faults. */
  readonly mock: AuthMock;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

// The handlers match one fixed origin; each request is moved onto it, whatever port was picked.
const MOCK_ORIGIN = 'http://c2m-auth.mock';

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function answer(mock: AuthMock, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const body = await readBody(incoming);
  const request = new Request(`${MOCK_ORIGIN}${incoming.url ?? '/'}`, {
    method: incoming.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body: new Uint8Array(body) }),
  });
  const response = await getResponse(mock.handlers, request);
  if (response === undefined) {
    outgoing.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_found', message: 'No such endpoint' }));
    return;
  }
  if (response.type === 'error') {
    incoming.socket.destroy();
    return;
  }
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Serves {@link createAuthHandlers} on a real HTTP server (127.0.0.1, a free port by default), for
 * demos, end-to-end tests and other processes. Node only; needs msw installed (`npm install -D msw`),
 * an optional peer dependency.
 *
 * @example
 * ```ts
 * import { serveAuthMock } from 'c2m-auth/testing/node'
 * const served = await serveAuthMock()
 * const session = new AuthSession({ baseUrl: served.url, credentials })
 * await served.close()
 * ```
 */
export async function serveAuthMock(options: ServeAuthMockOptions = {}): Promise<ServedAuthMock> {
  const basePath = new URL(options.baseUrl ?? 'https://api.example.com/v1').pathname.replace(/\/+$/, '');
  const mock = createAuthHandlers({ ...options, baseUrl: `${MOCK_ORIGIN}${basePath}` });
  const server = createServer((incoming, outgoing) => {
    answer(mock, incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(500).end();
      else outgoing.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}${basePath}`,
    mock,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
