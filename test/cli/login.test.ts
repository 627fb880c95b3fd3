import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { JWT_BEARER } from '../../src/cli/commands/login.js';
import { longTokenBody, server, settled } from '../support/msw.js';
import { BASE_URL, LOGIN, SECRET_ENV, useCli } from './harness.js';

const cli = useCli();
const NOW = Date.parse('2026-01-01T00:00:00Z');
const now = () => NOW;
const bodies = async () => (await settled()).map((request) => JSON.parse(request.body) as Record<string, unknown>);

describe('login', () => {
  it('issues a long token with the secret from C2M_CLIENT_SECRET and keeps it in a 0600 file', async () => {
    const run = await cli.run([...LOGIN, '--ttl', '30d'], { env: SECRET_ENV, now });
    expect(run).toEqual({
      code: 0,
      stdout: 'logged in (profile default, client c2m_abc123): long token tok_lt_1, expires 2026-01-31T00:00:00.000Z\n',
      stderr: '',
      prompts: [],
    });
    const [request] = await settled();
    expect(request?.headers['x-client-id']).toBe('c2m_abc123');
    expect(request?.url).toBe(`${BASE_URL}/auth/tokens/long`);
    expect(await bodies()).toEqual([
      { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123', ttl_seconds: 2_592_000 },
    ]);
    const records = await cli.records();
    const long = cli.mock().tokens[0];
    expect(records).toEqual({
      'c2m-auth:profile:default': {
        version: 1,
        revision: expect.stringMatching(/^[0-9a-f]{24}$/),
        longToken: long?.value,
        expiresAtMs: NOW + 2_592_000_000,
        issuedAtMs: NOW,
        tokenId: 'tok_lt_1',
      },
    });
    expect(await cli.modeOf(cli.tokenFile())).toBe('600');
    expect(await cli.modeOf(cli.profilesFile())).toBe('600');
    expect(await cli.modeOf(join(cli.dir(), 'c2m-auth'))).toBe('700');
    expect(JSON.parse(await readFile(cli.profilesFile(), 'utf8'))).toEqual({
      version: 1,
      profiles: { default: { baseUrl: BASE_URL, clientId: 'c2m_abc123', ttlSeconds: 2_592_000 } },
    });
  });

  it('prints one JSON object with --json', async () => {
    const run = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
    expect(run.stdout).toBe(
      `${JSON.stringify({ profile: 'default', baseUrl: BASE_URL, clientId: 'c2m_abc123', longToken: { tokenId: 'tok_lt_1', expiresAt: '2026-01-31T00:00:00.000Z' }, replaced: null })}\n`,
    );
    expect(run.code).toBe(0);
  });

  it('asks for the base URL and client id (echoed) and the secret (not echoed) when nothing gives them', async () => {
    const run = await cli.run(['login'], { answers: [BASE_URL, 'c2m_abc123', 'supersecret123'], now });
    expect(run.prompts).toEqual([
      { question: 'Base URL: ', echo: true },
      { question: 'Client id: ', echo: true },
      { question: 'Client secret: ', echo: false },
    ]);
    expect(run.code).toBe(0);
    expect(await bodies()).toEqual([{ grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' }]);
  });

  it('takes the base URL and client id from the environment, and a flag over the environment', async () => {
    const env = { ...SECRET_ENV, C2M_BASE_URL: BASE_URL, C2M_CLIENT_ID: 'c2m_abc123' };
    expect((await cli.run(['login'], { env })).code).toBe(0);
    const flagged = await cli.run(['login', '--client-id', 'c2m_other'], { env });
    expect([flagged.code, flagged.prompts]).toEqual([4, []]);
    expect((await settled()).map((request) => request.headers['x-client-id'])).toEqual(['c2m_abc123', 'c2m_other']);
  });

  it('logs in again with the profile’s saved base URL and client id, and ignores empty environment values', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    const again = await cli.run(['login'], { env: { ...SECRET_ENV, C2M_BASE_URL: '', C2M_CLIENT_ID: '' }, now });
    expect(again.code).toBe(0);
    expect(again.prompts).toEqual([]);
    expect(again.stdout).toContain('long token tok_lt_2');
    expect((await cli.records())['c2m-auth:profile:default']?.tokenId).toBe('tok_lt_2');
  });

  describe('again, on a profile that holds a long token', () => {
    it('revokes the long token it replaces, authorised by that token, and says so', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      const old = cli.mock().tokens[0];
      const again = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
      expect([again.code, again.stderr]).toEqual([0, '']);
      expect(JSON.parse(again.stdout).replaced).toEqual({ kind: 'long', tokenId: 'tok_lt_1', outcome: 'revoked' });
      const requests = await settled();
      expect(requests.map((request) => request.url)).toEqual([
        `${BASE_URL}/auth/tokens/long`,
        `${BASE_URL}/auth/tokens/long`,
        `${BASE_URL}/auth/tokens/tok_lt_1/revoke`,
      ]);
      expect(requests[2]?.headers.authorization).toBe(`Bearer ${old?.value}`);
      expect(cli.mock().tokens.map((token) => [token.id, token.revoked])).toEqual([
        ['tok_lt_1', true],
        ['tok_lt_2', false],
      ]);
      expect((await cli.records())['c2m-auth:profile:default']?.tokenId).toBe('tok_lt_2');
      const text = await cli.run([...LOGIN], { env: SECRET_ENV, now });
      expect(text.stdout).toBe(
        'logged in (profile default, client c2m_abc123): long token tok_lt_3, expires 2026-01-31T00:00:00.000Z\n' +
          'replaced long token tok_lt_2 revoked\n',
      );
    });

    it('counts a replaced token the server already refuses (401) as gone', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      cli.mock().revoke('tok_lt_1');
      const again = await cli.run([...LOGIN], { env: SECRET_ENV, now });
      expect([again.code, again.stderr]).toEqual([0, '']);
      expect(again.stdout).toContain('replaced long token tok_lt_1 was already revoked or expired\n');
      expect((await settled()).at(-1)?.url).toBe(`${BASE_URL}/auth/tokens/tok_lt_1/revoke`);
    });

    it('logs in all the same when the revocation fails, with a warning that names the token id only', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      const old = cli.mock().tokens[0];
      // Refused for another reason than 401 or 404 (a network error would be retried, in real time).
      server.use(
        http.post(`${BASE_URL}/auth/tokens/:tokenId/revoke`, () =>
          HttpResponse.json({ code: 'forbidden', message: 'Not allowed here' }, { status: 403 }),
        ),
      );
      const again = await cli.run([...LOGIN], { env: SECRET_ENV, now });
      expect(again).toMatchObject({
        code: 0,
        stdout:
          'logged in (profile default, client c2m_abc123): long token tok_lt_2, expires 2026-01-31T00:00:00.000Z\n' +
          'replaced long token tok_lt_1 could not be revoked\n',
        stderr:
          'c2m-auth: warning: the replaced long token tok_lt_1 could not be revoked (AuthApiError); it stays valid until it expires\n',
      });
      expect(again.stderr).not.toContain(old?.value);
      expect((await cli.records())['c2m-auth:profile:default']?.tokenId).toBe('tok_lt_2');
      expect(cli.mock().tokens[0]?.revoked).toBe(false);
      const json = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
      expect(JSON.parse(json.stdout).replaced).toEqual({ kind: 'long', tokenId: 'tok_lt_2', outcome: 'failed' });
    });

    it('replaces nothing after a logout: one line, replaced null, no revocation sent', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      expect((await cli.run(['logout'], { now })).code).toBe(0);
      const again = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
      expect([again.code, again.stderr, JSON.parse(again.stdout).replaced]).toEqual([0, '', null]);
      expect((await settled()).map((request) => request.url)).toEqual([
        `${BASE_URL}/auth/tokens/long`,
        `${BASE_URL}/auth/tokens/tok_lt_1/revoke`,
        `${BASE_URL}/auth/tokens/long`,
      ]);
    });

    it('never sends the old token elsewhere when the profile no longer says which base URL issued it: a warning', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      await rm(cli.profilesFile());
      const again = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
      expect([again.code, again.stderr, JSON.parse(again.stdout).replaced]).toEqual([
        0,
        'c2m-auth: warning: the replaced long token tok_lt_1 could not be revoked (the profile no longer names the base URL that issued it); it stays valid until it expires\n',
        { kind: 'long', tokenId: 'tok_lt_1', outcome: 'failed' },
      ]);
      expect((await settled()).map((request) => request.url)).toEqual([`${BASE_URL}/auth/tokens/long`, `${BASE_URL}/auth/tokens/long`]);
      expect(cli.mock().tokens[0]?.revoked).toBe(false);
    });

    it('revokes it at the base URL it was issued by when the login moves the profile to another', async () => {
      await cli.run([...LOGIN], { env: SECRET_ENV, now });
      const OTHER = 'https://other.test/v1';
      server.use(http.post(`${OTHER}/auth/tokens/long`, () => HttpResponse.json(longTokenBody, { status: 201 })));
      const moved = await cli.run(['login', '--base-url', OTHER, '--client-id', 'c2m_abc123'], { env: SECRET_ENV, now });
      expect([moved.code, moved.stderr]).toEqual([0, '']);
      expect((await settled()).map((request) => request.url)).toEqual([
        `${BASE_URL}/auth/tokens/long`,
        `${OTHER}/auth/tokens/long`,
        `${BASE_URL}/auth/tokens/tok_lt_1/revoke`,
      ]);
      expect(cli.mock().tokens[0]?.revoked).toBe(true);
    });
  });

  it('asks for the secret when C2M_CLIENT_SECRET is empty', async () => {
    const run = await cli.run([...LOGIN], { env: { C2M_CLIENT_SECRET: '' }, answers: ['supersecret123'] });
    expect([run.code, run.prompts]).toEqual([0, [{ question: 'Client secret: ', echo: false }]]);
  });

  it('logs in with a one-time code typed at a prompt that does not echo', async () => {
    const run = await cli.run([...LOGIN, '--otp'], { env: SECRET_ENV, answers: ['123456'], now });
    expect(run.prompts).toEqual([{ question: 'One-time code: ', echo: false }]);
    expect(run.code).toBe(0);
    expect(await bodies()).toEqual([{ grant_type: 'client_credentials', client_id: 'c2m_abc123', otp_code: '123456' }]);
  });

  it('sends scopes and the lifetime, and remembers them with the profile', async () => {
    const run = await cli.run([...LOGIN, '--scopes', 'jobs:submit, templates:read', '--ttl', '12h'], { env: SECRET_ENV, now });
    expect(run.code).toBe(0);
    expect(await bodies()).toEqual([
      {
        grant_type: 'client_credentials',
        client_id: 'c2m_abc123',
        client_secret: 'supersecret123',
        scopes: ['jobs:submit', 'templates:read'],
        ttl_seconds: 43_200,
      },
    ]);
    expect(JSON.parse(await readFile(cli.profilesFile(), 'utf8')).profiles.default).toEqual({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      scopes: ['jobs:submit', 'templates:read'],
      ttlSeconds: 43_200,
    });
  });

  it.each([
    ['3600', 3_600],
    ['60m', 3_600],
    ['1h', 3_600],
    ['90d', 7_776_000],
    ['7776000s', 7_776_000],
  ])('reads --ttl %s as %i seconds', async (ttl, seconds) => {
    expect((await cli.run([...LOGIN, '--ttl', ttl], { env: SECRET_ENV })).code).toBe(0);
    expect((await bodies())[0]?.ttl_seconds).toBe(seconds);
  });

  it.each(['59m', '3599', '91d', '7776001', '30x', 'd', '1.5h', '-1h', '999999999d'])(
    'refuses --ttl %s with exit 2 and sends nothing',
    async (ttl) => {
      const run = await cli.run([...LOGIN, '--ttl', ttl], { env: SECRET_ENV });
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'c2m-auth: UsageError: --ttl must be a duration from 1h to 90d (3600 to 7776000 seconds), such as 30d, 12h or 86400s; see c2m-auth login --help\n',
        prompts: [],
      });
      expect(await settled()).toEqual([]);
    },
  );

  it.each(['a,,b', ',', 'a, '])('refuses --scopes %j', async (scopes) => {
    const run = await cli.run([...LOGIN, '--scopes', scopes], { env: SECRET_ENV });
    expect([run.code, run.stderr]).toEqual([
      2,
      'c2m-auth: UsageError: --scopes must be scopes separated by commas, such as jobs:submit,templates:read; see c2m-auth login --help\n',
    ]);
  });

  it('says so when the server gives the long token no id', async () => {
    server.use(
      http.post(`${BASE_URL}/auth/tokens/long`, () =>
        HttpResponse.json(
          { token_type: 'Bearer', access_token: 'lt_without_id', expires_in: 3_600, expires_at: '2026-01-01T01:00:00Z' },
          { status: 201 },
        ),
      ),
    );
    const run = await cli.run([...LOGIN, '--json'], { env: SECRET_ENV, now });
    const text = await cli.run([...LOGIN], { env: SECRET_ENV, now });
    expect([run.stdout, text.stdout]).toEqual([
      '{"profile":"default","baseUrl":"https://auth.test/v1","clientId":"c2m_abc123","longToken":{"tokenId":null,"expiresAt":"2026-01-01T01:00:00.000Z"},"replaced":null}\n',
      'logged in (profile default, client c2m_abc123): long token (no id), expires 2026-01-01T01:00:00.000Z\n' +
        'replaced long token (no id) has no id to revoke: forgotten here only\n',
    ]);
    // Nothing sent for the replaced token: without an id, it cannot be revoked.
    expect(cli.fetches()).toBe(2);
  });

  describe('with an assertion', () => {
    const ASSERTION_TEXT = 'eyJhbGciOiJSUzI1NiIs.eyJpc3MiOiJjMm0ifQ.c2lnbmVk';

    it('sends the assertion in the file, without its line break, as the jwt-bearer type', async () => {
      const file = join(cli.dir(), 'assertion.jwt');
      await writeFile(file, `${ASSERTION_TEXT}\r\n`);
      const run = await cli.run([...LOGIN, '--assertion-file', file], { env: SECRET_ENV });
      // The kit's default client has no assertions: it refuses, after the request was made as it should be.
      expect(run.code).toBe(4);
      expect(await bodies()).toEqual([
        { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: JWT_BEARER, assertion: ASSERTION_TEXT },
      ]);
      expect(run.stderr).toBe(
        'c2m-auth: AuthApiError: issueLongTermToken: 400 invalid_grant: The grant is not valid for this client; check the client id and the credentials, then try again\n',
      );
    });

    it('sends the type given with --assertion-type, and keeps inner line breaks', async () => {
      const file = join(cli.dir(), 'assertion.jwt');
      await writeFile(file, 'a\nb\n');
      await cli.run([...LOGIN, '--assertion-file', file, '--assertion-type', 'urn:example:saml'], { env: SECRET_ENV });
      expect(await bodies()).toEqual([
        { grant_type: 'assertion', client_id: 'c2m_abc123', assertion_type: 'urn:example:saml', assertion: 'a\nb' },
      ]);
    });

    it('refuses a file it cannot read', async () => {
      const run = await cli.run([...LOGIN, '--assertion-file', join(cli.dir(), 'missing.jwt')], { env: SECRET_ENV });
      expect([run.code, run.stderr]).toEqual([2, 'c2m-auth: UsageError: --assertion-file cannot be read; see c2m-auth login --help\n']);
    });

    it('refuses --otp with --assertion-file, and --assertion-type alone', async () => {
      const both = await cli.run([...LOGIN, '--otp', '--assertion-file', 'x'], { env: SECRET_ENV });
      const alone = await cli.run([...LOGIN, '--assertion-type', 'x'], { env: SECRET_ENV });
      expect([both.code, both.stderr, alone.code, alone.stderr]).toEqual([
        2,
        'c2m-auth: UsageError: --otp and --assertion-file are two ways to log in: give one; see c2m-auth login --help\n',
        2,
        'c2m-auth: UsageError: --assertion-type goes with --assertion-file; see c2m-auth login --help\n',
      ]);
      expect(await settled()).toEqual([]);
    });
  });

  describe('failures', () => {
    it('exits 4 on a wrong secret, and keeps no record or profile', async () => {
      const run = await cli.run([...LOGIN], { env: { C2M_CLIENT_SECRET: 'wrong-secret-value' } });
      expect([run.code, run.stdout, run.stderr]).toEqual([
        4,
        '',
        'c2m-auth: AuthApiError: issueLongTermToken: 400 invalid_grant: The grant is not valid for this client; check the client id and the credentials, then try again\n',
      ]);
      await expect(readFile(cli.tokenFile())).rejects.toThrow(/ENOENT/);
      await expect(readFile(cli.profilesFile())).rejects.toThrow(/ENOENT/);
    });

    it('exits 4 for an unknown client', async () => {
      const run = await cli.run(['login', '--base-url', BASE_URL, '--client-id', 'c2m_nobody'], { env: SECRET_ENV });
      expect([run.code, run.stderr]).toEqual([
        4,
        'c2m-auth: AuthApiError: issueLongTermToken: 401 invalid_client: Unknown client; check the client id and the credentials, then try again\n',
      ]);
    });

    it('exits 4 with the wait the server asked for on 429, and “try again later” on 500', async () => {
      cli.mock().failNext('issueLongTermToken', { status: 429, retryAfterSeconds: 120 });
      const limited = await cli.run([...LOGIN], { env: SECRET_ENV });
      cli.mock().failNext('issueLongTermToken', { status: 500, code: 'server_error' });
      const failed = await cli.run([...LOGIN], { env: SECRET_ENV });
      expect([limited.code, limited.stderr, failed.code, failed.stderr]).toEqual([
        4,
        'c2m-auth: AuthApiError: issueLongTermToken: 429 rate_limited: Injected fault: rate_limited; wait 120 s, then try again\n',
        4,
        expect.stringMatching(/^c2m-auth: AuthApiError: issueLongTermToken: 500 server_error: .*; the server failed: try again later\n$/),
      ]);
    });

    it('exits 5 on a network error', async () => {
      cli.mock().failNext('issueLongTermToken', { networkError: true });
      const run = await cli.run([...LOGIN], { env: SECRET_ENV });
      expect([run.code, run.stderr]).toEqual([
        5,
        'c2m-auth: NetworkError: issueLongTermToken: network error; check the network and the base URL, then try again\n',
      ]);
    });

    it('exits 2 for a base URL the SDK refuses, before asking anything', async () => {
      const run = await cli.run(['login', '--base-url', 'http://api.example.com/v1'], { answers: ['c2m_abc123'] });
      expect([run.code, run.stderr, run.prompts]).toEqual([
        2,
        'c2m-auth: UsageError: the base URL must be an absolute https URL (plain http only to localhost or 127.0.0.1); see c2m-auth login --help\n',
        [],
      ]);
    });

    it('exits 2 for a secret with a line break, which the SDK refuses unsent', async () => {
      const run = await cli.run([...LOGIN], { env: { C2M_CLIENT_SECRET: 'supersecret123\n' } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^c2m-auth: RequestValidationError: issueLongTermToken: invalid request: .*; see c2m-auth login --help\n$/,
      );
      expect(run.stderr).not.toContain('supersecret123');
      expect(await settled()).toEqual([]);
    });

    it('exits 2 when nothing is typed, or the input ends, and 130 on Ctrl-C', async () => {
      const empty = await cli.run(['login', '--base-url', BASE_URL], { answers: [''] });
      const ended = await cli.run(['login', '--base-url', BASE_URL], { answers: ['c2m_abc123', 'EOF'] });
      const interrupted = await cli.run(['login', '--base-url', BASE_URL], { answers: ['CTRL-C'] });
      expect([empty.code, empty.stderr, ended.code, ended.stderr, interrupted.code, interrupted.stderr]).toEqual([
        2,
        'c2m-auth: UsageError: nothing was typed at "Client id:"; see c2m-auth login --help\n',
        2,
        'c2m-auth: UsageError: the input ended before an answer was typed; see c2m-auth login --help\n',
        130,
        'c2m-auth: InterruptedError: interrupted at the prompt; nothing was changed\n',
      ]);
      expect(await settled()).toEqual([]);
    });

    it.each([['--client-secret=supersecret123'], ['--client-secret', 'supersecret123'], ['--otp-code=123456']])(
      'refuses %s with exit 2, never echoing the value',
      async (...flag) => {
        const run = await cli.run([...LOGIN, ...flag], { env: SECRET_ENV });
        const name = flag[0]?.split('=')[0];
        expect(run).toEqual({
          code: 2,
          stdout: '',
          stderr: `c2m-auth: UsageError: ${name} is refused: a secret given as a flag lands in shell history and the process list; set C2M_CLIENT_SECRET, or type it at the prompt; see c2m-auth login --help\n`,
          prompts: [],
        });
        expect(await settled()).toEqual([]);
      },
    );
  });
});
