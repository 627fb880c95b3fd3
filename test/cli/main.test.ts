import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { parseScopes, parseTtl } from '../../src/cli/args.js';
import { failureOf, InterruptedError, NotLoggedInError, UsageError } from '../../src/cli/errors.js';
import { profilesFilePath, readProfile, saveProfile, tokenFilePath } from '../../src/cli/files.js';
import { helpOf } from '../../src/cli/help.js';
import { AuthApiError } from '../../src/errors/AuthApiError.js';
import { RequestValidationError } from '../../src/errors/RequestValidationError.js';
import { SessionExpiredError } from '../../src/errors/SessionExpiredError.js';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import { TokenStoreError } from '../../src/errors/TokenStoreError.js';
import { LOGIN, SECRET_ENV, useCli } from './harness.js';

const cli = useCli();
const usage = (message: string, command?: string) =>
  `c2m-auth: UsageError: ${message}; see c2m-auth ${command === undefined ? '' : `${command} `}--help\n`;

describe('help and version', () => {
  it.each([[[]], [['--help']], [['-h']]])('prints the overview for %j', async (argv) => {
    const run = await cli.run(argv);
    expect(run).toEqual({ code: 0, stdout: helpOf(undefined), stderr: '', prompts: [] });
    expect(run.stdout).toContain(
      'c2m-auth login  [--base-url URL] [--client-id ID] [--otp | --assertion-file F] [--scopes a,b] [--ttl 30d]',
    );
    expect(run.stdout).toContain(
      '    3  not logged in, or the session expired: run c2m-auth login (NotLoggedInError, SessionExpiredError)\n',
    );
  });

  it.each(['login', 'token', 'status', 'revoke', 'logout'] as const)(
    'prints the help of %s, with the common options and exit codes',
    async (command) => {
      const run = await cli.run([command, '--help']);
      expect(run).toEqual({ code: 0, stdout: helpOf(command), stderr: '', prompts: [] });
      expect(run.stdout).toMatch(new RegExp(`^Usage: c2m-auth ${command}`));
      expect(run.stdout).toContain('  --profile NAME  the account');
      expect(run.stdout).toContain('    5  no answer from the server: network failure or timeout (NetworkError, TimeoutError)\n');
      expect(await cli.run(['-h', command])).toEqual(run);
    },
  );

  it('prints the version of package.json', async () => {
    expect(await cli.run(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '', prompts: [] });
    expect((await cli.run(['token', '--version'])).stdout).toBe(`${packageJson.version}\n`);
  });
});

describe('the command line', () => {
  it.each([
    [['bogus'], usage('unknown command; the commands are login, token, status, revoke, logout')],
    [['supersecret123'], usage('unknown command; the commands are login, token, status, revoke, logout')],
    [['--bogus'], usage('unknown option --bogus')],
    [['token', '--bogus'], usage('unknown option --bogus for token', 'token')],
    [['-x', 'status'], usage('unknown option -x for status', 'status')],
    [['status', '--scopes', 'a'], usage('unknown option --scopes for status', 'status')],
    [['logout', '--short'], usage('unknown option --short for logout', 'logout')],
    [['token', '--ttl', '1d'], usage('unknown option --ttl for token', 'token')],
    [['status', '--json=yes'], usage('--json takes no value', 'status')],
    [['token', '--scopes'], usage('--scopes needs a value', 'token')],
    [['token', '--scopes='], usage('--scopes needs a value', 'token')],
    [['token', 'extra'], usage('token takes no arguments besides its options', 'token')],
    [['token', '--', '--json'], usage('token takes no arguments besides its options', 'token')],
    [
      ['status', '--profile', '-bad'],
      usage('--profile must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit', 'status'),
    ],
    [
      ['status', '--profile', 'a'.repeat(65)],
      usage('--profile must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit', 'status'),
    ],
    [
      ['status', '--profile', 'a/b'],
      usage('--profile must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit', 'status'),
    ],
  ])('refuses %j with exit 2', async (argv, stderr) => {
    expect(await cli.run(argv)).toEqual({ code: 2, stdout: '', stderr, prompts: [] });
  });

  it('accepts profile names of 1 and 64 characters, with dots, dashes and underscores', async () => {
    for (const profile of ['a', `W.o_r-k${'9'.repeat(57)}`]) {
      const run = await cli.run(['logout', '--profile', profile]);
      expect([run.code, run.stdout]).toEqual([0, `profile ${profile} is not logged in: nothing to revoke\n`]);
    }
  });

  it('keeps each profile’s tokens under its own key, and no token of one under another’s', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await cli.run([...LOGIN, '--profile', 'work'], { env: SECRET_ENV });
    await cli.run(['token', '--profile', 'work']);
    const records = await cli.records();
    const [personal, work, workShort] = cli.mock().tokens;
    expect(Object.keys(records)).toEqual(['c2m-auth:profile:default', 'c2m-auth:profile:work']);
    const personalText = JSON.stringify(records['c2m-auth:profile:default']);
    expect([
      personalText.includes(personal?.value ?? '?'),
      personalText.includes(work?.value ?? '?'),
      personalText.includes(workShort?.value ?? '?'),
    ]).toEqual([true, false, false]);
    await cli.run(['logout', '--profile', 'work']);
    expect(Object.keys(await cli.records())).toEqual(['c2m-auth:profile:default']);
  });

  it('uses the token file given with --store, and profiles.json beside it', async () => {
    const store = join(cli.dir(), 'elsewhere', 'mine.json');
    await cli.run([...LOGIN, '--store', store], { env: SECRET_ENV });
    const run = await cli.run(['status', '--store', store, '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ tokenFile: store, loggedIn: true, clientId: 'c2m_abc123' });
    expect(await cli.modeOf(join(cli.dir(), 'elsewhere', 'profiles.json'))).toBe('600');
    expect((await cli.run(['status'])).code).toBe(3);
  });

  it('exits 1 on a profiles file that is not one', async () => {
    await mkdir(join(cli.dir(), 'c2m-auth'), { recursive: true });
    await writeFile(cli.profilesFile(), '[]');
    const run = await cli.run(['status']);
    expect([run.code, run.stderr]).toEqual([
      1,
      `c2m-auth: TokenStoreError: c2m-auth: ${cli.profilesFile()} is not a c2m-auth profiles file; check the token file, or give another with --store PATH\n`,
    ]);
  });
});

describe('the files', () => {
  it('finds the token file in XDG_CONFIG_HOME, else ~/.config, else --store', () => {
    expect(tokenFilePath(undefined, { XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/c2m-auth/tokens.json');
    expect(tokenFilePath(undefined, { XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe('/h/.config/c2m-auth/tokens.json');
    expect(tokenFilePath(undefined, { HOME: '/h' })).toBe('/h/.config/c2m-auth/tokens.json');
    expect(tokenFilePath('t.json', { HOME: '/h' })).toBe(resolve('t.json'));
    expect(profilesFilePath('/a/b/t.json')).toBe('/a/b/profiles.json');
    for (const env of [{}, { HOME: '' }, { XDG_CONFIG_HOME: 'relative' }])
      expect(() => tokenFilePath(undefined, env)).toThrow(
        new UsageError('there is no config folder: set XDG_CONFIG_HOME or HOME, or give --store PATH'),
      );
  });

  it('exits 2 without a config folder', async () => {
    const run = await cli.run(['status'], { env: { XDG_CONFIG_HOME: undefined } });
    expect([run.code, run.stderr]).toEqual([
      2,
      usage('there is no config folder: set XDG_CONFIG_HOME or HOME, or give --store PATH', 'status'),
    ]);
  });

  it('reads a missing profiles file as none, and a profile of the wrong shape as missing', async () => {
    const path = join(cli.dir(), 'p', 'profiles.json');
    expect(await readProfile(path, 'default')).toBeUndefined();
    await saveProfile(path, 'a', { baseUrl: 'https://a.test', clientId: 'c' });
    await saveProfile(path, 'b', { baseUrl: 'https://b.test', clientId: 'd', scopes: ['x'], ttlSeconds: 3600 });
    expect(await readProfile(path, 'a')).toEqual({ baseUrl: 'https://a.test', clientId: 'c' });
    expect(await readProfile(path, 'b')).toEqual({ baseUrl: 'https://b.test', clientId: 'd', scopes: ['x'], ttlSeconds: 3600 });
    expect(await readProfile(path, 'constructor')).toBeUndefined();
    await writeFile(path, '{"version":1,"profiles":{"a":{"baseUrl":"u"},"b":{"clientId":"c"},"c":null}}');
    for (const name of ['a', 'b', 'c']) expect(await readProfile(path, name)).toBeUndefined();
    for (const text of ['', '{"version":2,"profiles":{}}', '{"version":1}', '{"version":1,"profiles":null}', 'null'])
      await writeFile(path, text).then(() =>
        expect(readProfile(path, 'a')).rejects.toThrow(`c2m-auth: ${path} is not a c2m-auth profiles file`),
      );
    expect(await cli.modeOf(join(cli.dir(), 'p'))).toBe('700');
    await expect(readProfile(join(path, 'under-a-file'), 'a')).rejects.toMatchObject({ name: 'TokenStoreError', reason: 'unavailable' });
  });
});

describe('parsing values', () => {
  it('reads durations', () => {
    expect([parseTtl('3600'), parseTtl('3600s'), parseTtl('61m'), parseTtl('2h'), parseTtl('30d'), parseTtl('90d')]).toEqual([
      3_600, 3_600, 3_660, 7_200, 2_592_000, 7_776_000,
    ]);
  });

  it('reads scopes, trimmed', () => {
    expect(parseScopes(' jobs:submit ,templates:read')).toEqual(['jobs:submit', 'templates:read']);
    expect(parseScopes('jobs:*')).toEqual(['jobs:*']);
  });
});

describe('failures', () => {
  const context = { command: 'token', profile: 'default' };
  const api = (status: number, operation = 'issueShortTermToken', retryAfter?: number) =>
    new AuthApiError({ operation, status, code: 'x', message: 'm', headers: new Headers(), retryAfter });

  it('maps each error to its exit code and advice', () => {
    const cases: [unknown, number, string][] = [
      [new UsageError('u'), 2, 'UsageError: u; see c2m-auth token --help'],
      [
        new RequestValidationError('op', [{ path: ['a'], message: 'b' }]),
        2,
        'RequestValidationError: op: invalid request: a: b; see c2m-auth token --help',
      ],
      [new NotLoggedInError('n'), 3, 'NotLoggedInError: n; run c2m-auth login'],
      [new SessionExpiredError('s'), 3, 'SessionExpiredError: s; run c2m-auth login'],
      [api(401), 4, 'AuthApiError: issueShortTermToken: 401 x: m; run c2m-auth login'],
      [api(429), 4, 'AuthApiError: issueShortTermToken: 429 x: m; wait, then try again'],
      [api(429, 'revokeToken', 7), 4, 'AuthApiError: revokeToken: 429 x: m; wait 7 s, then try again'],
      [
        api(499, 'issueLongTermToken'),
        4,
        'AuthApiError: issueLongTermToken: 499 x: m; check the client id and the credentials, then try again',
      ],
      [api(500, 'issueLongTermToken'), 4, 'AuthApiError: issueLongTermToken: 500 x: m; the server failed: try again later'],
      [new TimeoutError('op', 10), 5, 'TimeoutError: op: no response within 10 ms; check the network and the base URL, then try again'],
      [new InterruptedError('i'), 130, 'InterruptedError: i; nothing was changed'],
      [new TokenStoreError('timeout', 't'), 1, 'TokenStoreError: t; check the token file, or give another with --store PATH'],
      [new Error('first\n  second'), 1, 'Error: first second; report it at https://github.com/c2m-auth/c2m-auth/issues'],
      ['thrown', 1, 'Error: an unexpected value was thrown; report it at https://github.com/c2m-auth/c2m-auth/issues'],
    ];
    expect(cases.map(([error]) => failureOf(error, context))).toEqual(
      cases.map(([, exitCode, line]) => ({ exitCode, line: `c2m-auth: ${line}\n` })),
    );
    expect(failureOf(new UsageError('u'), { command: undefined, profile: 'p' }).line).toBe(
      'c2m-auth: UsageError: u; see c2m-auth --help\n',
    );
    expect(failureOf(new NotLoggedInError('n'), { command: undefined, profile: undefined }).line).toBe(
      'c2m-auth: NotLoggedInError: n; run c2m-auth login\n',
    );
    expect(failureOf(new NotLoggedInError('n'), { command: 'token', profile: 'p' }).line).toBe(
      'c2m-auth: NotLoggedInError: n; run c2m-auth login --profile p\n',
    );
  });
});
