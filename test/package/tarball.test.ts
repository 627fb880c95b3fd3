import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedAuthMock, serveAuthMock } from '../../src/testing/node/index.js';

// The package as users get it: `npm pack`, installed into a fresh project, used from there.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let project: string;
let served: ServedAuthMock;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'c2m-auth-consumer-'));
  const packed = await run(npm, ['pack', '--silent', '--pack-destination', project], { cwd: root });
  const tarball = packed.stdout.trim().split('\n').pop() ?? '';
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // The optional peers, at the versions the repository tests against.
  const msw = (await import('msw/package.json', { with: { type: 'json' } })).default.version;
  const redis = (await import('redis/package.json', { with: { type: 'json' } })).default.version;
  const install = [
    'install',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--prefer-offline',
    `./${tarball}`,
    `msw@${msw}`,
    `redis@${redis}`,
  ];
  await run(npm, install, { cwd: project, timeout: 240_000 });
  served = await serveAuthMock();
}, 300_000);

afterAll(async () => {
  await served?.close();
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

async function node(file: string, source: string): Promise<unknown> {
  await writeFile(join(project, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: project, env: { ...process.env, BASE_URL: served.url }, timeout: 30_000 });
  return JSON.parse(stdout);
}

const credentials = "{ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' }";

describe('the packed tarball, installed in a fresh project', () => {
  it('holds only dist/, package.json, README and licence files', async () => {
    const { stdout } = await run(npm, ['pack', '--dry-run', '--json'], { cwd: root });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
    expect(files.filter((path) => !path.startsWith('dist/'))).toEqual(expect.arrayContaining(['package.json', 'README.md']));
    expect(files.filter((path) => !path.startsWith('dist/') && !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE.*)$/.test(path))).toEqual(
      [],
    );
  }, 30_000);

  it('works through ESM import in Node against the kit’s HTTP server', async () => {
    const output = await node(
      'esm.mjs',
      `import { AuthSession } from 'c2m-auth';
       const session = new AuthSession({ baseUrl: process.env.BASE_URL, credentials: ${credentials} });
       const response = await session.fetch(process.env.BASE_URL + '/jobs');
       console.log(JSON.stringify({ status: response.status, token: typeof (await session.getAccessToken()) }));
       await session.revoke();`,
    );
    expect(output).toEqual({ status: 200, token: 'string' });
  }, 30_000);

  it('works through CJS require in Node against the kit’s HTTP server', async () => {
    const output = await node(
      'cjs.cjs',
      `const { AuthApi, AuthApiError } = require('c2m-auth');
       (async () => {
         const api = new AuthApi({ baseUrl: process.env.BASE_URL });
         const long = await api.issueLongTermToken(${credentials});
         const error = await api.issueShortTermToken(undefined, { longToken: 'lt_nope' }).catch((e) => e);
         console.log(JSON.stringify({ id: long.token_id.startsWith('tok_lt_'), error: [error instanceof AuthApiError, error.status, error.code] }));
       })();`,
    );
    expect(output).toEqual({ id: true, error: [true, 401, 'invalid_token'] });
  }, 30_000);

  it('resolves c2m-auth/node, c2m-auth/redis, c2m-auth/testing and c2m-auth/testing/node from both module systems', async () => {
    const subpaths = "['c2m-auth/node', 'c2m-auth/redis', 'c2m-auth/testing', 'c2m-auth/testing/node']";
    const esm = await node(
      'subpaths.mjs',
      `const names = await Promise.all(${subpaths}.map(async (name) => Object.keys(await import(name)).sort().join()));
       console.log(JSON.stringify(names));`,
    );
    const cjs = await node(
      'subpaths.cjs',
      `console.log(JSON.stringify(${subpaths}.map((name) => Object.keys(require(name)).sort().join())));`,
    );
    const expected = ['CorruptTokenFileError,FileTokenStore', 'RedisTokenStore,fromIoredis', 'createAuthHandlers', 'serveAuthMock'];
    expect([esm, cjs]).toEqual([expected, expected]);
  }, 30_000);

  // A store over a node-redis client that was never connected: its commands fail at once, and the
  // store's errors must be instances of the very TokenStoreError (and AuthSdkError) that c2m-auth exports.
  const redisProbe = `
    const misused = (() => {
      try {
        new RedisTokenStore({ client: {} });
      } catch (error) {
        return [error.constructor === TypeError, error.message];
      }
    })();
    const store = new RedisTokenStore({ client: createClient({ url: 'redis://127.0.0.1:1' }) });
    const failed = await store.get('k').catch((error) => error);
    await store.close();
    const closed = await store.set('k', { version: 1 }).catch((error) => error);
    console.log(JSON.stringify({
      exports: [typeof RedisTokenStore, typeof fromIoredis],
      misused,
      errors: [failed, closed].map((error) => [error.name, error.reason, error.message, error instanceof TokenStoreError, error instanceof AuthSdkError]),
    }));`;
  const redisExpected = {
    exports: ['function', 'function'],
    misused: [true, 'RedisTokenStore: option "client" must be a node-redis client (with sendCommand and duplicate), or an adapter'],
    errors: [
      ['TokenStoreError', 'unavailable', 'RedisTokenStore: Redis failed get (ClientClosedError)', true, true],
      ['TokenStoreError', 'unavailable', 'RedisTokenStore: the store is closed', true, true],
    ],
  };

  it('runs c2m-auth/redis through ESM import, its errors the TokenStoreError class of c2m-auth', async () => {
    const output = await node(
      'redis.mjs',
      `import { AuthSdkError, TokenStoreError } from 'c2m-auth';
       import { fromIoredis, RedisTokenStore } from 'c2m-auth/redis';
       import { createClient } from 'redis';
       ${redisProbe}`,
    );
    expect(output).toEqual(redisExpected);
  }, 30_000);

  it('runs c2m-auth/redis through CJS require, its errors the TokenStoreError class of require("c2m-auth")', async () => {
    const output = await node(
      'redis.cjs',
      `const { AuthSdkError, TokenStoreError } = require('c2m-auth');
       const { fromIoredis, RedisTokenStore } = require('c2m-auth/redis');
       const { createClient } = require('redis');
       (async () => { ${redisProbe} })();`,
    );
    expect(output).toEqual(redisExpected);
  }, 30_000);

  it('bundles the main entry for browsers with neither redis nor any Node built-in inside', async () => {
    const result = await build({
      stdin: { contents: "export * from 'c2m-auth';", resolveDir: project, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('node_modules/c2m-auth/dist/'))).toBe(true);
    // redis is installed in this project: had the main entry imported it, it would be bundled in.
    expect(inputs.filter((input) => /(^|\/)node_modules\/(redis|@redis)\//.test(input))).toEqual([]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, name.split('/')[0], `node:${name}`]));
    expect(inputs.filter((input) => input.startsWith('node:') || builtins.has(input))).toEqual([]);
    const imported = [...(result.outputFiles[0]?.text ?? '').matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']([^"']+)["']/g)].map(
      (match) => match[1],
    );
    expect(imported.filter((name) => name === undefined || name === 'redis' || name.startsWith('@redis/') || builtins.has(name))).toEqual(
      [],
    );
    expect(result.outputFiles[0]?.text).not.toMatch(/from\s*"node:|require\("node:|RedisTokenStore|EVALSHA/);
  });

  it.each(['node16', 'bundler'] as const)(
    'type-checks a consumer with moduleResolution %s',
    async (resolution) => {
      const dir = join(project, `types-${resolution}`);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'consumer.mts'),
        `import { AuthApi, AuthApiError, AuthSession, type LongTokenResponse, type TokenStore } from 'c2m-auth';
       import { FileTokenStore } from 'c2m-auth/node';
       import { createAuthHandlers, type AuthMock } from 'c2m-auth/testing';
       import { serveAuthMock } from 'c2m-auth/testing/node';
       const api = new AuthApi({ baseUrl: 'https://api.example.com/v1', timeout: 5000 });
       export const issued: Promise<LongTokenResponse> = api.issueLongTermToken({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' });
       // @ts-expect-error grant_type is an enum of the contract
       void api.issueLongTermToken({ grant_type: 'password', client_id: 'c' });
       const store: TokenStore = new FileTokenStore('/tmp/tokens.json');
       export const session = new AuthSession({ api, store, credentials: { grant_type: 'assertion', client_id: 'c', assertion_type: 't', assertion: 'a' } });
       export const mock: AuthMock = createAuthHandlers();
       export const served = serveAuthMock;
       export const isApiError = (error: unknown): number | undefined => (error instanceof AuthApiError ? error.status : undefined);`,
      );
      await writeFile(
        join(dir, 'redis-consumer.mts'),
        `import { TokenStoreError, type TokenStore } from 'c2m-auth';
       import { fromIoredis, type IoredisLike, type RedisClientLike, RedisTokenStore, type RedisTokenStoreOptions } from 'c2m-auth/redis';
       import { createClient } from 'redis';
       const redis = createClient({ url: 'redis://127.0.0.1:6379' });
       const options: RedisTokenStoreOptions = { client: redis, prefix: 'billing:', commandTimeoutMs: 500, encryptionKey: new Uint8Array(32) };
       export const store: TokenStore = new RedisTokenStore(options);
       // @ts-expect-error the client is required
       new RedisTokenStore({ prefix: 'billing:' });
       export const adapted = (ioredis: IoredisLike): RedisClientLike => fromIoredis(ioredis);
       export const reason = (error: unknown) => (error instanceof TokenStoreError ? error.reason : undefined);
       await using disposable = new RedisTokenStore({ client: await redis.connect() });
       export const closing: Promise<void> = disposable.close();`,
      );
      const options = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          exactOptionalPropertyTypes: true,
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable', 'esnext.disposable'],
          module: resolution === 'node16' ? 'node16' : 'esnext',
          moduleResolution: resolution,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['consumer.mts', 'redis-consumer.mts'],
      };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(options));
      const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).catch(
        (error: { stdout: string }) => error,
      );
      expect(result.stdout).toBe('');
      expect((await readdir(dir)).sort()).toEqual(['consumer.mts', 'redis-consumer.mts', 'tsconfig.json']);
    },
    60_000,
  );
});
