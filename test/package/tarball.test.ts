import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedAuthMock, serveAuthMock } from '../../src/testing/node/index.js';
import { entryConsumers, readmeSnippetFiles } from './consumer.js';
import { codeBlocks, headingAnchors, linkTargets, tableRows } from './markdown.js';

// The package as users get it: `npm pack`, installed into a fresh project, used from there.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const repository = 'https://github.com/c2m-auth/c2m-auth';
let project: string;
let installed: string;
let served: ServedAuthMock;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'c2m-auth-consumer-'));
  const packed = await run(npm, ['pack', '--silent', '--pack-destination', project], { cwd: root });
  const tarball = packed.stdout.trim().split('\n').pop() ?? '';
  // The optional peers, and what the README's snippets import, are this repository's own copies (linked
  // from its node_modules, where `npm install` put them): with c2m-auth's own dependencies among them,
  // installing the tarball needs no registry.
  const linked = Object.fromEntries(
    ['ky', 'zod', 'msw', 'redis', 'openapi-fetch'].map((name) => [name, `file:${join(root, 'node_modules', name)}`]),
  );
  const manifest = { name: 'consumer', private: true, version: '1.0.0', dependencies: { 'c2m-auth': `file:./${tarball}`, ...linked } };
  await writeFile(join(project, 'package.json'), JSON.stringify(manifest));
  await run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--offline'], { cwd: project, timeout: 120_000 });
  installed = join(project, 'node_modules', 'c2m-auth');
  served = await serveAuthMock();
}, 180_000);

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
  it('is installed from the tarball itself: a copy of the package in the project, not a link to the repository', async () => {
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    expect(lock.packages['node_modules/c2m-auth']?.resolved).toMatch(/^file:c2m-auth-\d+\.\d+\.\d+\.tgz$/);
  });

  it('holds only dist/, package.json, README and licence files', async () => {
    const { stdout } = await run(npm, ['pack', '--dry-run', '--json'], { cwd: root });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
    expect(files.filter((path) => !path.startsWith('dist/'))).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    expect(files.filter((path) => !path.startsWith('dist/') && !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE.*)$/.test(path))).toEqual(
      [],
    );
  }, 30_000);

  it('ships the MIT licence, and package.json says where the repository, its homepage and its issues are', async () => {
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect([manifest.license, manifest.repository, manifest.homepage, manifest.bugs]).toEqual([
      'MIT',
      { type: 'git', url: `git+${repository}.git` },
      `${repository}#readme`,
      { url: `${repository}/issues` },
    ]);
    const licence = await readFile(join(installed, 'LICENSE'), 'utf8');
    expect(licence.split('\n').slice(0, 3)).toEqual(['MIT License', '', 'Copyright (c) 2026 the c2m-auth authors']);
    expect(licence).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('opens its README with the install command and the quick start; the repository’s own commands are under Development', async () => {
    const blocks = codeBlocks(await readFile(join(installed, 'README.md'), 'utf8'));
    expect(blocks.slice(0, 2).map(({ lang, heading, code }) => [lang, heading, code.split('\n')[0]])).toEqual([
      ['sh', 'c2m-auth', 'npm install c2m-auth'],
      ['ts', 'Quick start', "import { AuthApi } from 'c2m-auth';"],
    ]);
    expect(blocks.filter((block) => /\bnpm (run demo|test)\b/.test(block.code)).map((block) => block.heading)).toEqual(['Development']);
  });

  it('links from its README only to files it holds, to the README’s own headings, or to files of the repository', async () => {
    const readme = await readFile(join(installed, 'README.md'), 'utf8');
    const shipped = new Set((await readdir(installed, { recursive: true })).map((path) => path.replaceAll('\\', '/')));
    const anchors = headingAnchors(readme);
    const inRepository = new RegExp(`^${repository}/(?:blob|tree)/main/([^#?]+)`);
    const targets = linkTargets(readme);
    const broken = targets.filter((target) => {
      if (target.startsWith('#')) return !anchors.has(target.slice(1));
      const repositoryPath = inRepository.exec(target)?.[1];
      if (repositoryPath !== undefined) return !existsSync(join(root, decodeURIComponent(repositoryPath)));
      if (/^[a-z][a-z\d+.-]*:/i.test(target)) return false;
      return !shipped.has(decodeURIComponent(target.replace(/[#?].*$/, '').replace(/^\.\/|\/$/g, '')));
    });
    expect(broken).toEqual([]);
    expect(targets).toEqual(expect.arrayContaining(['LICENSE', '#running-many-processes', `${repository}/blob/main/examples/cli.ts`]));
  });

  it('says in its README and in the kit’s TSDoc that the testing entries need msw, and shows the testing snippets’ imports', async () => {
    const blocks = codeBlocks(await readFile(join(installed, 'README.md'), 'utf8')).filter((block) =>
      block.heading.startsWith('Testing your app'),
    );
    const imported = (code: string) => [...code.matchAll(/^import .+ from '([^']+)';$/gm)].map((match) => match[1]);
    expect(blocks.map((block) => (block.lang === 'sh' ? block.code : imported(block.code)))).toEqual([
      'npm install -D msw\n',
      ['msw/node', 'vitest', 'c2m-auth', 'c2m-auth/testing'],
      ['c2m-auth', 'c2m-auth/testing/node'],
    ]);
    for (const entry of ['testing/index.d.ts', 'testing/index.d.cts', 'testing/node/index.d.ts', 'testing/node/index.d.cts']) {
      expect(await readFile(join(installed, 'dist', entry), 'utf8'), entry).toContain('needs msw installed (`npm install -D msw`)');
    }
  });

  it('answers each bad credential with the status and code its README lists, from the kit the package ships', async () => {
    const rows = tableRows(await readFile(join(installed, 'README.md'), 'utf8'), 'bad credential');
    const output = await node(
      'bad-credentials.mjs',
      `import { AuthApi } from 'c2m-auth';
       import { serveAuthMock } from 'c2m-auth/testing/node';
       const served = await serveAuthMock();
       const api = new AuthApi({ baseUrl: served.url });
       const client = { grant_type: 'client_credentials', client_id: 'c2m_abc123' };
       const refusal = (call) => call.then(() => 'accepted', (error) => [error.operation, error.status, error.code]);
       await api.issueLongTermToken({ ...client, otp_code: '123456' });
       console.log(JSON.stringify({
         'wrong client secret': await refusal(api.issueLongTermToken({ ...client, client_secret: 'not-the-secret' })),
         'unknown client id': await refusal(api.issueLongTermToken({ ...client, client_id: 'c2m_nobody', client_secret: 'supersecret123' })),
         'OTP code already used': await refusal(api.issueLongTermToken({ ...client, otp_code: '123456' })),
         'assertion the client does not have': await refusal(api.issueLongTermToken({
           grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', assertion: 'forged.jwt.value',
         })),
         'unknown, expired or revoked long token': await refusal(api.issueShortTermToken(undefined, { longToken: 'lt_unknown' })),
       }));
       await served.close();`,
    );
    expect(rows).toHaveLength(5);
    expect(output).toEqual(Object.fromEntries(rows.map(([credential, call, status, code]) => [credential, [call, Number(status), code]])));
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

  // msw's own declarations need the DOM lib (msw 2.x: 31 errors in msw, @mswjs/interceptors and rettime
  // without it, whatever imports them; mswjs/msw#1836). Without DOM those, and only those, are let
  // through: every error in c2m-auth's own files, the consumer's or the snippets' fails the test, and
  // the setting with DOM checks the testing entries with no error at all.
  const mswOwnDeclarations = /(^|[\\/])node_modules[\\/](msw|@mswjs[\\/][^\\/]+|rettime)[\\/]/;
  const strictest = join(root, 'node_modules/@tsconfig/strictest/tsconfig.json');
  const node16 = { module: 'node16', moduleResolution: 'node16' };
  const typeSettings = [
    {
      name: 'Node, lib ES2022 without DOM, strict',
      environment: 'node',
      base: undefined,
      lib: ['es2022'],
      resolution: node16,
      tolerated: mswOwnDeclarations,
    },
    {
      name: 'Node, lib ES2022 without DOM, @tsconfig/strictest',
      environment: 'node',
      base: strictest,
      lib: ['es2022'],
      resolution: node16,
      tolerated: mswOwnDeclarations,
    },
    {
      name: 'a bundler, lib ES2022 and DOM, @tsconfig/strictest',
      environment: 'browser',
      base: strictest,
      lib: ['es2022', 'dom', 'dom.iterable'],
      resolution: { module: 'esnext', moduleResolution: 'bundler' },
      tolerated: undefined,
    },
  ] as const;

  it.each(typeSettings.map((setting, index) => [setting.name, setting.environment, index, setting] as const))(
    'type-checks every entry point, and the README’s snippets, in a project for %s (%s snippets), skipLibCheck off',
    async (_name, environment, index, { base, lib, resolution, tolerated }) => {
      const dir = join(project, `types-${index}`);
      await mkdir(dir, { recursive: true });
      const snippets = readmeSnippetFiles(await readFile(join(installed, 'README.md'), 'utf8'), environment);
      expect(Object.keys(snippets).filter((file) => file.startsWith('readme-') && file.endsWith('.mts')).length).toBeGreaterThan(0);
      const files = { ...entryConsumers, ...snippets };
      for (const [file, source] of Object.entries(files)) await writeFile(join(dir, file), source);
      const compilerOptions = {
        ...resolution,
        lib,
        target: 'es2022',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      };
      const tsconfig = base === undefined ? { compilerOptions: { ...compilerOptions, strict: true } } : { extends: base, compilerOptions };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: Object.keys(files) }));
      const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).catch(
        (error: { stdout: string }) => error,
      );
      const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
      const fileOf = (error: string) => /^(.+?)\(\d+,\d+\): error/.exec(error)?.[1] ?? '';
      expect(errors.filter((error) => tolerated === undefined || !tolerated.test(fileOf(error)))).toEqual([]);
      expect((await readdir(dir)).sort()).toEqual([...Object.keys(files), 'tsconfig.json'].sort());
    },
    120_000,
  );
});
