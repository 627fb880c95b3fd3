import { HttpResponse, http } from 'msw';
import { BASE_URL } from './msw.js';

// A stateful stand-in for the auth server, driven by Date.now() so fake timers expire its tokens.
// (The testing-kit issue turns this into the public c2m-auth/testing.)

interface IssuedToken {
  kind: 'long' | 'short';
  id: string;
  value: string;
  expiresAtMs: number;
  scopes: string[];
  revoked: boolean;
  longId?: string;
}

type Operation = 'issueLongTermToken' | 'issueShortTermToken' | 'revokeToken' | 'jobs';

export interface MockAuthServerOptions {
  clientId?: string;
  clientSecret?: string;
  shortTtlSeconds?: number;
  longTtlSeconds?: number;
}

const authError = (status: number, code: string, message: string) => HttpResponse.json({ code, message }, { status });

export function createMockAuthServer(options: MockAuthServerOptions = {}) {
  const clientId = options.clientId ?? 'c2m_abc123';
  const clientSecret = options.clientSecret ?? 'supersecret123';
  const tokens = new Map<string, IssuedToken>();
  const counts: Record<Operation, number> = { issueLongTermToken: 0, issueShortTermToken: 0, revokeToken: 0, jobs: 0 };
  const faults: Partial<Record<Operation, (() => Response)[]>> = {};
  const state = { expiredUses: 0, sequence: 0, shortTtlSeconds: options.shortTtlSeconds ?? 900, jobBodies: [] as string[] };

  const issue = (kind: 'long' | 'short', ttlSeconds: number, scopes: string[], longId?: string): IssuedToken => {
    state.sequence += 1;
    const token: IssuedToken = {
      kind,
      id: `tok_${kind === 'long' ? 'lt' : 'st'}_${state.sequence}`,
      value: `${kind === 'long' ? 'lt' : 'st'}_value_${state.sequence}_${Math.random().toString(36).slice(2)}`,
      expiresAtMs: Date.now() + ttlSeconds * 1000,
      scopes,
      revoked: false,
      ...(longId === undefined ? {} : { longId }),
    };
    tokens.set(token.value, token);
    return token;
  };
  const body = (token: IssuedToken) => ({
    token_type: 'Bearer',
    access_token: token.value,
    expires_in: Math.round((token.expiresAtMs - Date.now()) / 1000),
    expires_at: new Date(token.expiresAtMs).toISOString(),
    scopes: token.scopes,
    token_id: token.id,
  });
  /** The token behind the Authorization header, if it is valid; counts uses of expired or revoked tokens. */
  const bearer = (request: Request, kind?: 'long' | 'short'): IssuedToken | undefined => {
    const value = request.headers.get('authorization')?.replace(/^Bearer /, '');
    const token = value === undefined ? undefined : tokens.get(value);
    if (token === undefined || (kind !== undefined && token.kind !== kind)) return undefined;
    if (token.revoked || Date.now() >= token.expiresAtMs) {
      state.expiredUses += 1;
      return undefined;
    }
    return token;
  };
  const holds: Partial<Record<Operation, Promise<void>>> = {};
  const fault = async (operation: Operation): Promise<Response | undefined> => {
    counts[operation] += 1;
    const hold = holds[operation];
    if (hold !== undefined) {
      delete holds[operation];
      await hold;
    }
    return faults[operation]?.shift()?.();
  };

  const handlers = [
    http.post(`${BASE_URL}/auth/tokens/long`, async ({ request }) => {
      const injected = await fault('issueLongTermToken');
      if (injected) return injected;
      const grant = (await request.json()) as Record<string, unknown>;
      const viaShort = bearer(request, 'short');
      const viaClient = request.headers.get('x-client-id') === clientId && grant.client_secret === clientSecret;
      if (!(viaShort?.scopes.includes('tokens:write') || viaClient))
        return authError(401, 'invalid_token', 'The provided token is expired or invalid');
      const token = issue(
        'long',
        (grant.ttl_seconds as number | undefined) ?? options.longTtlSeconds ?? 2_592_000,
        (grant.scopes as string[] | undefined) ?? ['jobs:*'],
      );
      return HttpResponse.json(body(token), { status: 201, headers: { 'X-Token-Id': token.id } });
    }),
    http.post(`${BASE_URL}/auth/tokens/short`, async ({ request }) => {
      const injected = await fault('issueShortTermToken');
      if (injected) return injected;
      const long = bearer(request, 'long');
      if (long === undefined) return authError(401, 'invalid_token', 'The provided token is expired or invalid');
      const text = await request.text();
      const scopes = text === '' ? long.scopes : ((JSON.parse(text) as { scopes?: string[] }).scopes ?? long.scopes);
      return HttpResponse.json(body(issue('short', state.shortTtlSeconds, scopes, long.id)), { status: 201 });
    }),
    http.post(`${BASE_URL}/auth/tokens/:tokenId/revoke`, async ({ request, params }) => {
      const injected = await fault('revokeToken');
      if (injected) return injected;
      if (bearer(request) === undefined) return authError(401, 'invalid_token', 'The provided token is expired or invalid');
      const target = [...tokens.values()].find((token) => token.id === params.tokenId);
      if (target === undefined) return authError(404, 'not_found', 'Token not found');
      target.revoked = true;
      for (const token of tokens.values()) if (token.longId === target.id) token.revoked = true;
      return new HttpResponse(null, { status: 204 });
    }),
    http.all(`${BASE_URL}/jobs`, async ({ request }) => {
      const injected = await fault('jobs');
      if (injected) return injected;
      if (bearer(request, 'short') === undefined) return authError(401, 'invalid_token', 'The provided token is expired or invalid');
      state.jobBodies.push(await request.text());
      return HttpResponse.json({ jobs: [] });
    }),
  ];

  return {
    handlers,
    counts,
    state,
    tokens,
    /** The next `times` calls of `operation` answer with `respond()`. */
    failNext(operation: Operation, times: number, respond: () => Response): void {
      faults[operation] = [...(faults[operation] ?? []), ...Array.from({ length: times }, () => respond)];
    },
    /** Holds the next call of `operation` until the returned function is called. */
    holdNext(operation: Operation): () => void {
      let release: () => void = () => undefined;
      holds[operation] = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => release();
    },
    /** Revokes every long token (and its short tokens), as an admin would. */
    revokeAllLongTokens(): void {
      for (const token of tokens.values()) token.revoked = true;
    },
    issued(kind: 'long' | 'short'): IssuedToken[] {
      return [...tokens.values()].filter((token) => token.kind === kind);
    },
  };
}
