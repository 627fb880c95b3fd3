import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/node/FileTokenStore.js';
import { settled } from '../support/msw.js';
import { BASE_URL, LOGIN, SECRET_ENV, useCli } from './harness.js';

const cli = useCli();
const KEY = 'c2m-auth:profile:default';
const iso = (ms: unknown) => new Date(ms as number).toISOString();
const secretsOf = () => [...cli.mock().tokens.map((token) => token.value), 'supersecret123'];

describe('status', () => {
  it('shows the profile, the ids and expiry times of both tokens, never a token', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await cli.run(['token', '--scopes', 'jobs:submit,templates:read']);
    const record = (await cli.records())[KEY] as { expiresAtMs: number; shortToken: { expiresAtMs: number } };
    const run = await cli.run(['status']);
    expect(run).toEqual({
      code: 0,
      stdout: [
        'profile: default',
        `base url: ${BASE_URL}`,
        'client id: c2m_abc123',
        `token file: ${cli.tokenFile()}`,
        `long token: tok_lt_1, expires ${iso(record.expiresAtMs)}`,
        `short token: tok_st_2, expires ${iso(record.shortToken.expiresAtMs)}, scopes jobs:submit templates:read`,
        '',
      ].join('\n'),
      stderr: '',
      prompts: [],
    });
    const json = await cli.run(['status', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      profile: 'default',
      baseUrl: BASE_URL,
      clientId: 'c2m_abc123',
      tokenFile: cli.tokenFile(),
      loggedIn: true,
      longToken: { tokenId: 'tok_lt_1', expiresAt: iso(record.expiresAtMs), expired: false },
      shortToken: {
        tokenId: 'tok_st_2',
        expiresAt: iso(record.shortToken.expiresAtMs),
        expired: false,
        scopes: ['jobs:submit', 'templates:read'],
      },
    });
    expect(json.stdout.split('\n')).toHaveLength(2);
    for (const secret of secretsOf()) expect(run.stdout + json.stdout).not.toContain(secret);
  });

  it('shows no scopes for an unnarrowed short token', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await cli.run(['token']);
    const run = await cli.run(['status']);
    const json = await cli.run(['status', '--json']);
    expect(run.stdout.split('\n')[5]).toMatch(/^short token: tok_st_2, expires [^,]+$/);
    expect(JSON.parse(json.stdout).shortToken.scopes).toBeNull();
  });

  it('reports a profile that is not logged in, and exits 3', async () => {
    const run = await cli.run(['status', '--profile', 'work']);
    expect(run).toEqual({
      code: 3,
      stdout: [
        'profile: work',
        'base url: none',
        'client id: none',
        `token file: ${cli.tokenFile()}`,
        'long token: none',
        'short token: none',
        '',
      ].join('\n'),
      stderr: 'c2m-auth: NotLoggedInError: profile work is not logged in; run c2m-auth login --profile work\n',
      prompts: [],
    });
    const json = await cli.run(['status', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      profile: 'default',
      baseUrl: null,
      clientId: null,
      tokenFile: cli.tokenFile(),
      loggedIn: false,
      longToken: null,
      shortToken: null,
    });
  });

  it('reports expired tokens, and exits 3', async () => {
    const loginAtMs = Date.now();
    await cli.run([...LOGIN], { env: SECRET_ENV, now: () => loginAtMs });
    await cli.run(['token'], { now: () => loginAtMs });
    const record = (await cli.records())[KEY] as { expiresAtMs: number; shortToken: { expiresAtMs: number } };
    const later = { now: () => record.expiresAtMs };
    const run = await cli.run(['status'], later);
    expect(run.stdout.split('\n').slice(4)).toEqual([
      `long token: tok_lt_1, expired ${iso(record.expiresAtMs)}`,
      `short token: tok_st_2, expired ${iso(record.shortToken.expiresAtMs)}`,
      '',
    ]);
    expect([run.code, run.stderr]).toEqual([
      3,
      'c2m-auth: NotLoggedInError: the long token of profile default is expired; run c2m-auth login\n',
    ]);
    const justBefore = await cli.run(['status', '--json'], { now: () => record.expiresAtMs - 1 });
    expect([justBefore.code, JSON.parse(justBefore.stdout).longToken.expired, JSON.parse(justBefore.stdout).shortToken.expired]).toEqual([
      0,
      false,
      true,
    ]);
  });

  it('shows a token without an id or expiry as such', async () => {
    await new FileTokenStore(cli.tokenFile()).set(KEY, {
      version: 1,
      longToken: 'lt_given',
      shortToken: { token: 'st_given', expiresAtMs: Date.now() + 60_000 },
    });
    const run = await cli.run(['status']);
    expect(run.stdout.split('\n').slice(4, 6)).toEqual([
      'long token: (no id), expires never',
      expect.stringMatching(/^short token: \(no id\), expires /),
    ]);
    expect(run.code).toBe(0);
  });
});

describe('revoke and logout', () => {
  async function loggedInWithShort() {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await cli.run(['token']);
    await settled();
  }
  const revocations = async () =>
    (await settled())
      .filter((request) => request.url.endsWith('/revoke'))
      .map((request) => [request.url.slice(BASE_URL.length), request.headers.authorization === `Bearer ${cli.mock().tokens[0]?.value}`]);

  it('revokes both tokens by default and deletes the record', async () => {
    await loggedInWithShort();
    const run = await cli.run(['revoke']);
    expect(run).toEqual({
      code: 0,
      stdout: 'short token tok_st_2 revoked\nlong token tok_lt_1 revoked\nprofile default is logged out\n',
      stderr: '',
      prompts: [],
    });
    expect(await revocations()).toEqual([
      ['/auth/tokens/tok_st_2/revoke', true],
      ['/auth/tokens/tok_lt_1/revoke', true],
    ]);
    expect(cli.mock().tokens.map((token) => token.revoked)).toEqual([true, true]);
    // login, the exchange and both revocations went through the io's fetch.
    expect(cli.fetches()).toBe(4);
    expect(await cli.records()).toEqual({});
    expect((await cli.run(['status'])).code).toBe(3);
  });

  it.each([['logout'], ['revoke', '--all']])('%s --json prints one object', async (...argv) => {
    await loggedInWithShort();
    const run = await cli.run([...argv, '--json']);
    expect(run.stdout).toBe(
      `${JSON.stringify({
        profile: 'default',
        revoked: [
          { kind: 'short', tokenId: 'tok_st_2', outcome: 'revoked' },
          { kind: 'long', tokenId: 'tok_lt_1', outcome: 'revoked' },
        ],
        loggedIn: false,
      })}\n`,
    );
  });

  it('--short revokes the short token only and keeps the long one', async () => {
    await loggedInWithShort();
    const before = (await cli.records())[KEY];
    const run = await cli.run(['revoke', '--short']);
    expect([run.code, run.stdout]).toEqual([0, 'short token tok_st_2 revoked\n']);
    expect(await revocations()).toEqual([['/auth/tokens/tok_st_2/revoke', true]]);
    const after = (await cli.records())[KEY];
    const { shortToken: _short, shortTokenScopes: _scopes, revision: _revision, ...kept } = before as Record<string, unknown>;
    expect(after).toEqual({ ...kept, revision: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(after?.revision).not.toBe(before?.revision);
    const json = await cli.run(['revoke', '--short', '--json']);
    expect(json.stdout).toBe('{"profile":"default","revoked":[],"loggedIn":true}\n');
    const text = await cli.run(['revoke', '--short']);
    expect(text.stdout).toBe('profile default has no short token to revoke\n');
    expect((await cli.run(['token'])).code).toBe(0);
  });

  it('--long revokes the long token only and deletes the record', async () => {
    await loggedInWithShort();
    const run = await cli.run(['revoke', '--long']);
    expect([run.code, run.stdout]).toEqual([0, 'long token tok_lt_1 revoked\nprofile default is logged out\n']);
    expect(await revocations()).toEqual([['/auth/tokens/tok_lt_1/revoke', true]]);
    expect(await cli.records()).toEqual({});
  });

  it('counts tokens the server already refuses as revoked', async () => {
    await loggedInWithShort();
    cli.mock().revokeAll();
    const run = await cli.run(['logout']);
    expect([run.code, run.stdout]).toEqual([
      0,
      'short token tok_st_2 was already revoked or expired\nlong token tok_lt_1 was already revoked or expired\nprofile default is logged out\n',
    ]);
    expect(await cli.records()).toEqual({});
  });

  it('counts a 404 as revoked, and forgets a token without an id', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    const minted = cli.mock().mintLongToken();
    await new FileTokenStore(cli.tokenFile()).set(KEY, {
      version: 1,
      longToken: minted.access_token,
      tokenId: 'tok_lt_unknown',
      shortToken: { token: 'st_without_id', expiresAtMs: Date.now() + 60_000 },
    });
    const run = await cli.run(['revoke', '--json']);
    expect(JSON.parse(run.stdout).revoked).toEqual([
      { kind: 'short', tokenId: null, outcome: 'no_id' },
      { kind: 'long', tokenId: 'tok_lt_unknown', outcome: 'already_invalid' },
    ]);
    await new FileTokenStore(cli.tokenFile()).set(KEY, { version: 1, longToken: minted.access_token });
    const text = await cli.run(['revoke']);
    expect(text.stdout).toBe('long token (no id) has no id to revoke: forgotten here only\nprofile default is logged out\n');
  });

  it('keeps the record when the server cannot be reached, so it can be run again', async () => {
    await loggedInWithShort();
    const before = await cli.records();
    cli.mock().failNext('revokeToken', { networkError: true, times: 3 });
    const run = await cli.run(['logout']);
    expect([run.code, run.stdout, run.stderr]).toEqual([
      5,
      '',
      'c2m-auth: NetworkError: revokeToken: network error; check the network and the base URL, then try again\n',
    ]);
    expect(await cli.records()).toEqual(before);
    const forbidden = await (async () => {
      cli.mock().failNext('revokeToken', { status: 403 });
      return cli.run(['logout']);
    })();
    expect([forbidden.code, forbidden.stderr]).toEqual([
      4,
      'c2m-auth: AuthApiError: revokeToken: 403 insufficient_scope: Injected fault: insufficient_scope; run c2m-auth login\n',
    ]);
    expect((await cli.run(['logout'])).code).toBe(0);
  });

  it('has nothing to do when not logged in: exit 0', async () => {
    const run = await cli.run(['logout']);
    const json = await cli.run(['revoke', '--json', '--profile', 'work']);
    expect([run.code, run.stdout, json.stdout]).toEqual([
      0,
      'profile default is not logged in: nothing to revoke\n',
      '{"profile":"work","revoked":[],"loggedIn":false}\n',
    ]);
    expect(await settled()).toEqual([]);
  });

  it('exits 3 for a record whose profile has no base URL', async () => {
    await cli.run([...LOGIN], { env: SECRET_ENV });
    await writeFile(cli.profilesFile(), '{"version":1,"profiles":{"default":{"baseUrl":1}}}');
    const run = await cli.run(['logout']);
    expect([run.code, run.stderr]).toEqual([
      3,
      `c2m-auth: NotLoggedInError: profile default has no base URL in ${cli.profilesFile()}; run c2m-auth login\n`,
    ]);
  });

  it('refuses two of --short, --long and --all', async () => {
    const run = await cli.run(['revoke', '--short', '--all']);
    expect([run.code, run.stderr]).toEqual([
      2,
      'c2m-auth: UsageError: give one of --short, --long and --all; see c2m-auth revoke --help\n',
    ]);
  });
});
