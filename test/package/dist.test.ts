import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built package (dist/, through its "exports") in fresh Node processes against a real
// HTTP server on 127.0.0.1, so a build that only type-checks but crashes at run time fails here.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const LONG_TOKEN = 'lt_dist_test_token';

let server: Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  if (!existsSync(`${root}/dist/index.js`) || !existsSync(`${root}/dist/index.cjs`))
    throw new Error('dist/ is missing: run `npm run build` first');
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
    if (request.url === '/v1/auth/tokens/short') {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ token_type: 'Bearer', access_token: 'st_jwt', expires_in: 900, expires_at: '2030-01-01T00:00:00Z' }));
      return;
    }
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 'invalid_token', message: 'The provided token is expired or invalid' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const program = (load: string) => `
  const { AuthApi, AuthApiError, AuthSdkError } = ${load};
  const api = new AuthApi({ baseUrl: process.env.BASE_URL, longToken: '${LONG_TOKEN}' });
  const token = await api.issueShortTermToken();
  const error = await api.revokeToken('tok_1').catch((e) => e);
  console.log(JSON.stringify({
    token: token.access_token,
    error: [error.name, error instanceof AuthApiError, error instanceof AuthSdkError, error.status, error.code],
  }));
`;

async function runNode(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, BASE_URL: baseUrl }, timeout: 20_000 });
  return JSON.parse(stdout);
}

const expected = { token: 'st_jwt', error: ['AuthApiError', true, true, 401, 'invalid_token'] };

// c2m-auth/redis over a node-redis client never connected: its error must be of c2m-auth's own classes.
const redisProgram = (load: (name: string) => string) => `
  const { AuthSdkError, TokenStoreError } = ${load('c2m-auth')};
  const { RedisTokenStore } = ${load('c2m-auth/redis')};
  const { createClient } = ${load('redis')};
  const store = new RedisTokenStore({ client: createClient({ url: 'redis://127.0.0.1:1' }) });
  const error = await store.get('k').catch((e) => e);
  console.log(JSON.stringify({
    store: typeof RedisTokenStore,
    error: [error.name, error.reason, error.message, error instanceof TokenStoreError, error instanceof AuthSdkError],
  }));
`;

const redisExpected = {
  store: 'function',
  error: ['TokenStoreError', 'unavailable', 'RedisTokenStore: Redis failed get (ClientClosedError)', true, true],
};

describe('the built package', () => {
  it('lets a Node process holding a session with autoRefresh exit by itself', async () => {
    seen.length = 0;
    // Every timer of a minute or more the process sets, recorded with whether it was unref'ed.
    const script = `
      const timers = [];
      const setTimeoutOf = globalThis.setTimeout;
      globalThis.setTimeout = (callback, delayMs, ...args) => {
        const timer = setTimeoutOf(callback, delayMs, ...args);
        if (delayMs >= 60_000) {
          const record = { delaySeconds: Math.round(delayMs / 1000), unref: false };
          timers.push(record);
          const unref = timer.unref.bind(timer);
          timer.unref = () => ((record.unref = true), unref());
        }
        return timer;
      };
      const { AuthSession } = await import('c2m-auth');
      const { FileTokenStore } = await import('c2m-auth/node');
      const session = new AuthSession({ baseUrl: process.env.BASE_URL, longToken: '${LONG_TOKEN}', autoRefresh: true });
      console.log(JSON.stringify({ token: await session.getAccessToken(), store: typeof FileTokenStore, timers }));
    `;
    // runNode rejects unless the process exits with code 0 by itself: execFile kills it after 20 s.
    const output = await runNode(['--input-type=module', '-e', script]);
    // The refresh timer is set (840 s: 60 s before the 900 s token ends) and unref'ed, so it is not
    // what keeps the process alive, and the process exited without waiting for it.
    expect(output).toEqual({ token: 'st_jwt', store: 'function', timers: [{ delaySeconds: 840, unref: true }] });
    expect(seen).toEqual([`POST /v1/auth/tokens/short Bearer ${LONG_TOKEN}`]);
  });

  it('loads c2m-auth/node from CommonJS too', async () => {
    const output = await runNode([
      '--input-type=commonjs',
      '-e',
      "console.log(JSON.stringify(typeof require('c2m-auth/node').FileTokenStore))",
    ]);
    expect(output).toBe('function');
  });

  it('works as ESM through import("c2m-auth")', async () => {
    seen.length = 0;
    const output = await runNode(['--input-type=module', '-e', program("await import('c2m-auth')")]);
    expect(output).toEqual(expected);
    expect(seen).toEqual([`POST /v1/auth/tokens/short Bearer ${LONG_TOKEN}`, `POST /v1/auth/tokens/tok_1/revoke Bearer ${LONG_TOKEN}`]);
  });

  it('works as CJS through require("c2m-auth"), ky bundled in', async () => {
    seen.length = 0;
    const output = await runNode(['--input-type=commonjs', '-e', `(async () => { ${program("require('c2m-auth')")} })()`]);
    expect(output).toEqual(expected);
    expect(seen).toHaveLength(2);
  });

  it('runs c2m-auth/redis as ESM, one TokenStoreError class with c2m-auth', async () => {
    const output = await runNode(['--input-type=module', '-e', redisProgram((name) => `await import('${name}')`)]);
    expect(output).toEqual(redisExpected);
  });

  it('runs c2m-auth/redis as CJS, one TokenStoreError class with require("c2m-auth") (shared chunks)', async () => {
    const output = await runNode(['--input-type=commonjs', '-e', `(async () => { ${redisProgram((name) => `require('${name}')`)} })()`]);
    expect(output).toEqual(redisExpected);
  });

  it('resolves c2m-auth/redis to its two builds', async () => {
    const cjs = await runNode(['--input-type=commonjs', '-e', "console.log(JSON.stringify(require.resolve('c2m-auth/redis')))"]);
    const esm = await runNode(['--input-type=module', '-e', "console.log(JSON.stringify(import.meta.resolve('c2m-auth/redis')))"]);
    expect([cjs, esm]).toEqual([`${root}dist/redis/index.cjs`, `file://${root}dist/redis/index.js`]);
  });

  it('resolves the two builds to the two files', async () => {
    const cjs = await runNode(['--input-type=commonjs', '-e', "console.log(JSON.stringify(require.resolve('c2m-auth')))"]);
    const esm = await runNode(['--input-type=module', '-e', "console.log(JSON.stringify(import.meta.resolve('c2m-auth')))"]);
    expect([cjs, esm]).toEqual([`${root}dist/index.cjs`, `file://${root}dist/index.js`]);
  });
});
