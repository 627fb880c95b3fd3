// The origin of the tabs suite, on 127.0.0.1: the app page and its bundle (src/ through esbuild), the
// app's backend route that hands out a long token, and the C2M API (the kit's mock, proxied).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { AuthMock } from '../../src/testing/index.js';
import { type ServeAuthMockOptions, serveAuthMock } from '../../src/testing/node/index.js';

/** The app's origin for the tabs. */
export interface TabsOrigin {
  /** The page to open in each tab. */
  readonly pageUrl: string;
  readonly mock: AuthMock;
  /** Calls to the app's backend for a long token. */
  readonly backendCalls: () => number;
  close(): Promise<void>;
}

let bundle: Promise<string> | undefined;

function pageBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return bundle;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>tab</title><script type="module" src="/page.js"></script>';

/** Serves the app and the API on one origin (the page's requests are same-origin: no CORS). */
export async function serveTabs(options: ServeAuthMockOptions = {}): Promise<TabsOrigin> {
  const api = await serveAuthMock({ ...options, baseUrl: 'https://api.c2m.test/v1' });
  const script = await pageBundle();
  let backendCalls = 0;
  // Like an app's backend: one long token for the user, minted on the first call and handed out again.
  let longToken: ReturnType<AuthMock['mintLongToken']> | undefined;
  const server = createServer(async (incoming, outgoing) => {
    const path = incoming.url ?? '/';
    if (path === '/' || path.startsWith('/?')) return outgoing.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (path === '/page.js') return outgoing.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (path === '/api/c2m/long-token') {
      backendCalls += 1;
      longToken ??= api.mock.mintLongToken();
      return outgoing.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(longToken));
    }
    if (!path.startsWith('/v1/')) return outgoing.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = Object.entries(incoming.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    try {
      const answer = await fetch(`${api.url}${path.slice('/v1'.length)}`, {
        method: incoming.method ?? 'GET',
        headers: headers.filter(([name]) => name !== 'host' && name !== 'connection'),
        ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) }),
      });
      outgoing.writeHead(answer.status, Object.fromEntries(answer.headers)).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      outgoing.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    pageUrl: `http://127.0.0.1:${port}/`,
    mock: api.mock,
    backendCalls: () => backendCalls,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await api.close();
    },
  };
}
