// The whole life of a session, in one command: `npm run demo`.
// Without arguments it runs against the testing kit served on 127.0.0.1 (no network needed); with
// `npm run demo -- --base-url URL` and C2M_CLIENT_ID / C2M_CLIENT_SECRET set, against a real server.
import { AuthApi, AuthSession, type LongTokenRequest } from 'c2m-auth';
import { type ServedAuthMock, serveAuthMock } from 'c2m-auth/testing/node';

const started = performance.now();
const say = (step: string, detail = '') => {
  const at = `${((performance.now() - started) / 1000).toFixed(2)}s`.padStart(7);
  console.log(`${at}  ${step}${detail ? `  ${detail}` : ''}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const realBaseUrl = argument('--base-url');
  let served: ServedAuthMock | undefined;
  let baseUrl: string;
  let credentials: LongTokenRequest;
  if (realBaseUrl === undefined) {
    // Short tokens of 4 s, so the demo shows a refresh without a long wait.
    served = await serveAuthMock({ shortTokenTtlSeconds: 4 });
    baseUrl = served.url;
    credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: 'supersecret123' };
    say('mock auth server', `listening at ${baseUrl} (the c2m-auth/testing kit)`);
  } else {
    const clientId = process.env.C2M_CLIENT_ID;
    const clientSecret = process.env.C2M_CLIENT_SECRET;
    if (!clientId || !clientSecret) throw new Error('--base-url needs C2M_CLIENT_ID and C2M_CLIENT_SECRET in the environment');
    baseUrl = realBaseUrl;
    credentials = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret };
    say('real server', baseUrl);
  }

  const api = new AuthApi({ baseUrl });
  const session = new AuthSession({ api, credentials });
  session.on('longTokenIssued', ({ tokenId, expiresAt }) => say('  event longTokenIssued', `${tokenId} until ${expiresAt}`));
  let shortTokenId: string | undefined;
  session.on('tokenRefreshed', ({ tokenId, expiresInSeconds }) => {
    shortTokenId = tokenId;
    say('  event tokenRefreshed', `${tokenId}, ${expiresInSeconds} s`);
  });
  session.on('refreshFailed', ({ error }) => say('  event refreshFailed', `${error.name}: ${error.message}`));
  try {
    const first = await session.getAccessToken();
    say('1. long token issued with the client secret, exchanged for a short JWT', `${shortTokenId} (token values are never printed)`);

    const listed = await session.fetch(`${baseUrl}/jobs`);
    say('2. GET /jobs through session.fetch', `HTTP ${listed.status}`);

    const waitMs = realBaseUrl === undefined ? 2_500 : 0;
    if (waitMs > 0) {
      say('3. waiting for the short token to reach its refresh window', `${waitMs / 1000} s`);
      await sleep(waitMs);
      const second = await session.getAccessToken();
      say('   refreshed before expiry', second === first ? 'same token (not yet due)' : 'new short JWT');
    }

    await session.getAccessToken();
    const currentId = shortTokenId;
    if (currentId !== undefined) {
      await api.revokeToken(currentId, { longToken: await session.getLongToken() });
      say('4. revoked the current short token behind the session’s back', currentId);
      const created = await session.fetch(`${baseUrl}/jobs`, { method: 'POST', body: JSON.stringify({ template: 'letter', copies: 1 }) });
      const tries = served?.mock.requests
        .filter((entry) => entry.operation === 'jobs')
        .slice(-2)
        .map((entry) => entry.status);
      say(
        '   POST /jobs: 401, one refresh, one replay with the same body',
        `HTTP ${created.status}${tries ? ` (server saw ${tries.join(' then ')})` : ''}`,
      );
    }

    await session.revoke();
    say('5. signed out: short and long token revoked, memory and store cleared');
    if (served !== undefined) {
      const revoked = served.mock.tokens.filter((token) => token.revoked).length;
      say(
        '   server state',
        `${served.mock.tokens.length} tokens issued, ${revoked} revoked, ${served.mock.expiredOrRevokedUses} request(s) with a dead token (the one that was replayed)`,
      );
    }
  } finally {
    session.close();
    await served?.close();
  }
  say('done');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
