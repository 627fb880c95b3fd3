// `c2m-auth` as a real child process: the executable built with the project's tsup settings
// (test/cli/built-cli.ts), run with `node` against the kit's HTTP server (serveAuthMock) in this
// process, with a temporary XDG_CONFIG_HOME. Each child is waited on (exit or output, never a sleep),
// killed by PID if it outlives its time; the prompt is driven through a pseudo-terminal (python3's pty
// module) and curl (Debian's) sends the token to the kit's /jobs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { helpOf } from '../../src/cli/help.js';
import { type ServedAuthMock, serveAuthMock } from '../../src/testing/node/serveAuthMock.js';
import { buildCli } from './built-cli.js';

const CHILD_TIMEOUT_MS = 20_000;
const SECRET = 'supersecret123';
let cli: string;
let removeBuild: () => Promise<void>;
let served: ServedAuthMock;
let dir: string;
const running = new Set<number>();

beforeAll(async () => {
  ({ cli, remove: removeBuild } = await buildCli());
  served = await serveAuthMock();
}, 60_000);
afterAll(async () => {
  await served?.close();
  await removeBuild?.();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c2m-auth-cli-processes-'));
  served.mock.reset();
});
afterEach(async () => {
  for (const pid of running) process.kill(pid, 'SIGKILL');
  running.clear();
  await rm(dir, { recursive: true, force: true });
});

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') });

/** Runs a command to its exit; `input` is written to its stdin (a pipe), which is then closed. */
function run(command: string, args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Exit> {
  const child = spawn(command, args, { env: { ...baseEnv(), ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  running.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(pid, 'SIGKILL');
      reject(new Error(`${args.join(' ')} took over ${CHILD_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(pid);
      resolve({ code, stdout, stderr });
    });
  });
}

const c2m = (args: readonly string[], options?: { env?: Record<string, string>; input?: string }) =>
  run(process.execPath, [cli, ...args], options);
const tokenFile = () => join(dir, 'config', 'c2m-auth', 'tokens.json');
const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
const login = () => c2m(['login', '--base-url', served.url, '--client-id', 'c2m_abc123'], { env: { C2M_CLIENT_SECRET: SECRET } });
const operations = () => served.mock.requests.map((request) => `${request.operation} ${request.status}`);
const tokenValues = () => served.mock.tokens.map((token) => token.value);

describe('c2m-auth as a process', () => {
  it('logs in, prints a token twice with one exchange, reports, revokes', { timeout: 60_000 }, async () => {
    const loggedIn = await login();
    expect(loggedIn).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /^logged in \(profile default, client c2m_abc123\): long token tok_lt_1, expires \d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
      ),
      stderr: '',
    });
    expect([await modeOf(tokenFile()), await modeOf(join(dir, 'config', 'c2m-auth', 'profiles.json'))]).toEqual(['600', '600']);
    const first = await c2m(['token']);
    const second = await c2m(['token']);
    const jwt = served.mock.tokens[1]?.value;
    expect([first, second]).toEqual([
      { code: 0, stdout: `${jwt}\n`, stderr: '' },
      { code: 0, stdout: `${jwt}\n`, stderr: '' },
    ]);
    expect(operations()).toEqual(['issueLongTermToken 201', 'issueShortTermToken 201']);
    const { records } = JSON.parse(await readFile(tokenFile(), 'utf8'));
    const record = records['c2m-auth:profile:default'];
    const status = await c2m(['status']);
    expect(status).toEqual({
      code: 0,
      stdout: [
        'profile: default',
        `base url: ${served.url}`,
        'client id: c2m_abc123',
        `token file: ${tokenFile()}`,
        `long token: tok_lt_1, expires ${new Date(record.expiresAtMs).toISOString()}`,
        `short token: tok_st_2, expires ${new Date(record.shortToken.expiresAtMs).toISOString()}`,
        '',
      ].join('\n'),
      stderr: '',
    });
    const json = await c2m(['status', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      loggedIn: true,
      longToken: { tokenId: 'tok_lt_1' },
      shortToken: { tokenId: 'tok_st_2' },
    });
    for (const output of [loggedIn, status, json])
      for (const value of [...tokenValues(), SECRET]) expect(JSON.stringify(output)).not.toContain(value);
    const revoked = await c2m(['logout']);
    expect(revoked).toEqual({
      code: 0,
      stdout: 'short token tok_st_2 revoked\nlong token tok_lt_1 revoked\nprofile default is logged out\n',
      stderr: '',
    });
    expect(operations().slice(2)).toEqual(['revokeToken 204', 'revokeToken 204']);
    expect(JSON.parse(await readFile(tokenFile(), 'utf8')).records).toEqual({});
    expect(await c2m(['status'])).toMatchObject({
      code: 3,
      stderr: 'c2m-auth: NotLoggedInError: profile default is not logged in; run c2m-auth login\n',
    });
  });

  it('exits 2, 3, 4 and 5 with one line on stderr and nothing on stdout', { timeout: 60_000 }, async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const results = await Promise.all([
      c2m(['login', '--client-secret', SECRET]),
      c2m(['token']),
      c2m(['login', '--base-url', served.url, '--client-id', 'c2m_abc123'], { env: { C2M_CLIENT_SECRET: 'not-the-secret' } }),
      c2m(['login', '--base-url', `http://127.0.0.1:${closedPort}/v1`, '--client-id', 'c2m_abc123'], {
        env: { C2M_CLIENT_SECRET: SECRET },
      }),
    ]);
    expect(results).toEqual([
      {
        code: 2,
        stdout: '',
        stderr:
          'c2m-auth: UsageError: --client-secret is refused: a secret given as a flag lands in shell history and the process list; set C2M_CLIENT_SECRET, or type it at the prompt; see c2m-auth login --help\n',
      },
      { code: 3, stdout: '', stderr: 'c2m-auth: NotLoggedInError: profile default is not logged in; run c2m-auth login\n' },
      {
        code: 4,
        stdout: '',
        stderr:
          'c2m-auth: AuthApiError: issueLongTermToken: 400 invalid_grant: The grant is not valid for this client; check the client id and the credentials, then try again\n',
      },
      {
        code: 5,
        stdout: '',
        stderr:
          'c2m-auth: NetworkError: issueLongTermToken: network error (ECONNREFUSED); check the network and the base URL, then try again\n',
      },
    ]);
    for (const result of results) expect(result.stderr).not.toContain(SECRET);
  });

  it('prints --help and --version', async () => {
    expect(await c2m(['--help'])).toEqual({ code: 0, stdout: helpOf(undefined), stderr: '' });
    expect(await c2m(['revoke', '--help'])).toEqual({ code: 0, stdout: helpOf('revoke'), stderr: '' });
    expect(await c2m(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it('reads the secret from a pipe, and keeps another profile’s record free of this one’s tokens', { timeout: 60_000 }, async () => {
    const piped = await c2m(['login', '--profile', 'work', '--base-url', served.url, '--client-id', 'c2m_abc123'], {
      input: `${SECRET}\n`,
    });
    expect(piped).toMatchObject({ code: 0, stderr: 'Client secret: \n' });
    expect((await login()).code).toBe(0);
    expect((await c2m(['token'])).code).toBe(0);
    const { records } = JSON.parse(await readFile(tokenFile(), 'utf8'));
    const [workLong, personalLong, personalShort] = tokenValues();
    const work = JSON.stringify(records['c2m-auth:profile:work']);
    expect([work.includes(workLong ?? '?'), work.includes(personalLong ?? '?'), work.includes(personalShort ?? '?')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('types the secret at a pseudo-terminal that never shows it', { timeout: 60_000 }, async (context) => {
    if (!commandExists('python3')) return context.skip('no python3');
    const spec = {
      argv: [process.execPath, cli, 'login'],
      env: baseEnv(),
      steps: [
        { expect: 'Base URL: ', send: `${served.url}\r` },
        { expect: 'Client id: ', send: 'c2m_abc123\r' },
        { expect: 'Client secret: ', send: `${SECRET}\r` },
      ],
    };
    const result = await run('python3', [join(import.meta.dirname, 'pty-driver.py'), JSON.stringify(spec)]);
    const { transcript, exitCode, timedOut } = JSON.parse(result.stdout) as { transcript: string; exitCode: number; timedOut: boolean };
    expect([exitCode, timedOut]).toEqual([0, false]);
    expect(transcript).toContain(served.url);
    expect(transcript).toContain('c2m_abc123');
    expect(transcript).toContain('Client secret: \r\n');
    expect(transcript).toMatch(/logged in \(profile default, client c2m_abc123\): long token tok_lt_1, expires /);
    expect(transcript).not.toContain(SECRET);
    expect(operations()).toEqual(['issueLongTermToken 201']);
  });

  it('gives curl a token the kit’s /jobs accepts', { timeout: 60_000 }, async (context) => {
    if (!commandExists('curl')) return context.skip('no curl');
    expect((await login()).code).toBe(0);
    const script = 'curl -sS -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $(node "$CLI" token)" "$C2M_BASE_URL/jobs"';
    const result = await run('sh', ['-c', script], { env: { CLI: cli, C2M_BASE_URL: served.url } });
    expect(result).toEqual({ code: 0, stdout: '200', stderr: '' });
    expect(operations()).toEqual(['issueLongTermToken 201', 'issueShortTermToken 201', 'jobs 200']);
  });
});

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
