import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { settled } from '../support/msw.js';
import { BASE_URL, LOGIN, SECRET_ENV, useCli } from './harness.js';

const cli = useCli();
const DAY_MS = 86_400_000;
const shortTokens = () => cli.mock().tokens.filter((token) => token.kind === 'short');

describe('token', () => {
  it('prints only the JWT and a newline, and reuses it on the next run: one exchange', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    const first = await cli.run(['token']);
    const second = await cli.run(['token']);
    const jwt = shortTokens()[0]?.value;
    expect([first, second]).toEqual([
      { code: 0, stdout: `${jwt}\n`, stderr: '', prompts: [] },
      { code: 0, stdout: `${jwt}\n`, stderr: '', prompts: [] },
    ]);
    expect([cli.mock().count('issueLongTermToken'), cli.mock().count('issueShortTermToken')]).toEqual([1, 1]);
    const record = (await cli.records())['c2m-auth:profile:default'];
    expect(record?.shortToken).toEqual({
      token: jwt,
      expiresAtMs: expect.any(Number),
      issuedAtMs: expect.any(Number),
      tokenId: 'tok_st_2',
    });
    expect(record?.shortTokenScopes).toBe('');
    expect(await cli.modeOf(cli.tokenFile())).toBe('600');
  });

  it('prints one JSON object with --json, the same whether exchanged or reused', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    const exchanged = await cli.run(['token', '--json']);
    const reused = await cli.run(['token', '--json']);
    const short = shortTokens()[0];
    const expected = `${JSON.stringify({
      profile: 'default',
      token: short?.value,
      tokenId: 'tok_st_2',
      expiresAt: new Date((await cli.records())['c2m-auth:profile:default']?.shortToken?.expiresAtMs as number).toISOString(),
    })}\n`;
    expect([exchanged.stdout, reused.stdout]).toEqual([expected, expected]);
  });

  it('caches a narrowed JWT apart from the unnarrowed one', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    const plain = await cli.run(['token']);
    const narrowed = await cli.run(['token', '--scopes', 'jobs:submit']);
    const again = await cli.run(['token', '--scopes', 'jobs:submit']);
    expect((await cli.records())['c2m-auth:profile:default']?.shortTokenScopes).toBe('jobs:submit');
    const plainAgain = await cli.run(['token']);
    const [a, b, c] = shortTokens();
    expect([plain.stdout, narrowed.stdout, again.stdout, plainAgain.stdout]).toEqual([
      `${a?.value}\n`,
      `${b?.value}\n`,
      `${b?.value}\n`,
      `${c?.value}\n`,
    ]);
    expect(shortTokens().map((token) => token.scopes)).toEqual([
      ['jobs:*', 'templates:read', 'tokens:write', 'tokens:revoke'],
      ['jobs:submit'],
      ['jobs:*', 'templates:read', 'tokens:write', 'tokens:revoke'],
    ]);
    expect((await settled()).filter((request) => request.url.endsWith('/short')).map((request) => request.body)).toEqual([
      '',
      '{"scopes":["jobs:submit"]}',
      '',
    ]);
  });

  it('exits 3 when the profile is not logged in, naming the profile in the advice', async () => {
    const run = await cli.run(['token']);
    const other = await cli.run(['token', '--profile', 'work']);
    expect([run, other.stderr]).toEqual([
      { code: 3, stdout: '', stderr: 'c2m-auth: NotLoggedInError: profile default is not logged in; run c2m-auth login\n', prompts: [] },
      'c2m-auth: NotLoggedInError: profile work is not logged in; run c2m-auth login --profile work\n',
    ]);
    expect(await settled()).toEqual([]);
  });

  it('exits 3 once the long token expired, and sends nothing', async () => {
    const loginAtMs = Date.now();
    await cli.run([...LOGIN], { env: SECRET_ENV, now: () => loginAtMs });
    const run = await cli.run(['token'], { now: () => loginAtMs + 31 * DAY_MS });
    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `c2m-auth: NotLoggedInError: the long token of profile default expired at ${new Date(loginAtMs + 30 * DAY_MS).toISOString()}; run c2m-auth login\n`,
      prompts: [],
    });
    expect(cli.mock().count('issueShortTermToken')).toBe(0);
  });

  it('issues a new long token from C2M_CLIENT_SECRET once the old one expired, with the profile’s scopes and lifetime', async () => {
    const loginAtMs = Date.now();
    await cli.run([...LOGIN, '--scopes', 'jobs:*', '--ttl', '30d'], { env: SECRET_ENV, now: () => loginAtMs });
    const run = await cli.run(['token'], { env: SECRET_ENV, now: () => loginAtMs + 31 * DAY_MS });
    expect([run.code, run.stdout, run.stderr]).toEqual([0, `${shortTokens()[0]?.value}\n`, '']);
    const longBodies = (await settled()).filter((request) => request.url.endsWith('/long')).map((request) => JSON.parse(request.body));
    expect(longBodies[1]).toEqual({
      grant_type: 'client_credentials',
      client_id: 'c2m_abc123',
      client_secret: 'supersecret123',
      scopes: ['jobs:*'],
      ttl_seconds: 2_592_000,
    });
    expect((await cli.records())['c2m-auth:profile:default']?.tokenId).toBe('tok_lt_2');
    expect(JSON.parse(await readFile(cli.profilesFile(), 'utf8')).profiles.default).toEqual({
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      scopes: ['jobs:*'],
      ttlSeconds: 2_592_000,
    });
  });

  it('exits 3 when the server refuses the long token, and forgets it', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    cli.mock().revokeAll();
    const run = await cli.run(['token']);
    expect([run.code, run.stdout, run.stderr]).toEqual([
      3,
      '',
      'c2m-auth: SessionExpiredError: AuthSession: the long token is expired or revoked, and no credentials can issue another; run c2m-auth login\n',
    ]);
    expect(await cli.records()).toEqual({});
  });

  it('logs in from the environment alone, and saves the profile', async () => {
    const env = { ...SECRET_ENV, C2M_BASE_URL: BASE_URL, C2M_CLIENT_ID: 'c2m_abc123' };
    const run = await cli.run(['token'], { env });
    expect([run.code, run.stdout]).toEqual([0, `${shortTokens()[0]?.value}\n`]);
    expect(JSON.parse(await readFile(cli.profilesFile(), 'utf8'))).toEqual({
      version: 1,
      profiles: { default: { baseUrl: BASE_URL, clientId: 'c2m_abc123' } },
    });
    const again = await cli.run(['token'], { env: { C2M_BASE_URL: 'https://elsewhere.test/v1' } });
    expect(again.stdout).toBe(run.stdout);
  });

  it('does not save a profile it did not need to issue a long token for', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await writeFile(cli.profilesFile(), '{"version":1,"profiles":{}}');
    const run = await cli.run(['token'], { env: { ...SECRET_ENV, C2M_BASE_URL: BASE_URL, C2M_CLIENT_ID: 'c2m_abc123' } });
    expect(run.code).toBe(0);
    expect(await readFile(cli.profilesFile(), 'utf8')).toBe('{"version":1,"profiles":{}}');
  });

  it('exits 3 without a base URL even with a secret, and without a client id has no credentials', async () => {
    const noUrl = await cli.run(['token'], { env: { ...SECRET_ENV, C2M_CLIENT_ID: 'c2m_abc123' } });
    const noClient = await cli.run(['token'], { env: { ...SECRET_ENV, C2M_BASE_URL: BASE_URL } });
    expect([noUrl.code, noClient.code, noClient.stderr]).toEqual([
      3,
      3,
      'c2m-auth: NotLoggedInError: profile default is not logged in; run c2m-auth login\n',
    ]);
    expect(await settled()).toEqual([]);
  });

  it('warns on stderr when the long token is in its last tenth and cannot be renewed', async () => {
    const loginAtMs = Date.now();
    await cli.run([...LOGIN], { env: SECRET_ENV, now: () => loginAtMs });
    const run = await cli.run(['token'], { now: () => loginAtMs + 28 * DAY_MS });
    expect([run.code, run.stdout, run.stderr]).toEqual([
      0,
      `${shortTokens()[0]?.value}\n`,
      `c2m-auth: warning: the long token of profile default expires ${new Date(loginAtMs + 30 * DAY_MS).toISOString()}; run c2m-auth login\n`,
    ]);
  });

  it('exits 5 on a network error and 4 when the server refuses the scopes', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    cli.mock().failNext('issueShortTermToken', { networkError: true });
    const network = await cli.run(['token']);
    const scope = await cli.run(['token', '--scopes', 'admin:all']);
    expect([network.code, network.stderr, scope.code, scope.stderr]).toEqual([
      5,
      'c2m-auth: NetworkError: issueShortTermToken: network error; check the network and the base URL, then try again\n',
      4,
      'c2m-auth: AuthApiError: issueShortTermToken: 400 invalid_scope: A requested scope exceeds the long token; run c2m-auth login\n',
    ]);
  });

  it('exits 1 on a token file that is not one, saying what to do', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await writeFile(cli.tokenFile(), 'not json');
    const run = await cli.run(['token']);
    expect([run.code, run.stderr]).toEqual([
      1,
      `c2m-auth: CorruptTokenFileError: FileTokenStore: ${cli.tokenFile()} is not a token file; check the token file, or give another with --store PATH\n`,
    ]);
  });

  it('refuses bad --scopes', async () => {
    const run = await cli.run(['token', '--scopes', 'a,']);
    expect([run.code, run.stderr]).toEqual([
      2,
      'c2m-auth: UsageError: --scopes must be scopes separated by commas, such as jobs:submit,templates:read; see c2m-auth token --help\n',
    ]);
  });
});
