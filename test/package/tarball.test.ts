import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
  const msw = (await import('msw/package.json', { with: { type: 'json' } })).default.version;
  await run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', `./${tarball}`, `msw@${msw}`], {
    cwd: project,
    timeout: 240_000,
  });
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

  it('resolves c2m-auth/node, c2m-auth/testing and c2m-auth/testing/node from both module systems', async () => {
    const esm = await node(
      'subpaths.mjs',
      `const names = await Promise.all(['c2m-auth/node', 'c2m-auth/testing', 'c2m-auth/testing/node'].map(async (name) => Object.keys(await import(name)).sort().join()));
       console.log(JSON.stringify(names));`,
    );
    const cjs = await node(
      'subpaths.cjs',
      `console.log(JSON.stringify(['c2m-auth/node', 'c2m-auth/testing', 'c2m-auth/testing/node'].map((name) => Object.keys(require(name)).sort().join())));`,
    );
    const expected = ['CorruptTokenFileError,FileTokenStore', 'createAuthHandlers', 'serveAuthMock'];
    expect([esm, cjs]).toEqual([expected, expected]);
  }, 30_000);

  it('bundles the main entry for browsers with no Node built-in inside', async () => {
    const result = await build({
      stdin: { contents: "export { AuthApi, AuthSession } from 'c2m-auth';", resolveDir: project, loader: 'js' },
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
    expect(inputs.filter((input) => /^node:|(^|\/)(fs|path|os|crypto|http)(\/|$)/.test(input))).toEqual([]);
    expect(result.outputFiles[0]?.text).not.toMatch(/from\s*"node:|require\("node:/);
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
        files: ['consumer.mts'],
      };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(options));
      const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).catch(
        (error: { stdout: string }) => error,
      );
      expect(result.stdout).toBe('');
      expect(await readdir(dir)).toEqual(['consumer.mts', 'tsconfig.json']);
    },
    60_000,
  );
});
