import { HttpResponse, http, type RequestHandler } from 'msw';
import * as core from 'zod/v4/core';
import { grantIssues } from '../api/grant.js';
import { longTokenRequestSchema, shortTokenRequestSchema } from '../schemas.js';
import type { LongTokenResponse } from '../types.js';
import { type Fault, type FaultOptions, FaultQueue } from './faults.js';
import { type MockToken, TokenRegistry } from './registry.js';
import { uncoveredScopes } from './scopes.js';

/** The operations the mock serves, and its example protected resource. */
export type MockOperation = 'issueLongTermToken' | 'issueShortTermToken' | 'revokeToken' | 'jobs';

/** One client the mock server knows. */
export interface MockClient {
  /** Its client id. */
  readonly clientId: string;
  /** Its client secret, if it may use one. */
  readonly clientSecret?: string;
  /** One-time OTP codes; each works once. */
  readonly otpCodes?: readonly string[];
  /** Assertions it may present (with any assertion_type). */
  readonly assertions?: readonly string[];
  /**
   * The scopes it may be granted.
   * @default ['jobs:*', 'templates:read', 'tokens:write', 'tokens:revoke']
   */
  readonly scopes?: readonly string[];
}

/** Options of {@link createAuthHandlers}. */
export interface AuthHandlersOptions {
  /**
   * The base URL the handlers answer under.
   * @default 'https://api.example.com/v1'
   */
  readonly baseUrl?: string;
  /**
   * The clients the server knows.
   * @default one client `c2m_abc123` with secret `supersecret123`, OTP code `123456`, any scope above
   */
  readonly clients?: readonly MockClient[];
  /**
   * Lifetime of short tokens, in seconds.
   * @default 900
   */
  readonly shortTokenTtlSeconds?: number;
  /**
   * Lifetime of long tokens when the request names none (a requested `ttl_seconds` is honoured).
   * @default 2_592_000 (30 days)
   */
  readonly longTokenTtlSeconds?: number;
}

/** One request the mock answered. */
export interface MockRequestLogEntry {
  readonly operation: MockOperation;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** `Date.now()` when it arrived. */
  readonly atMs: number;
}

/** The mock auth server: its MSW handlers and what tests need to look at and steer. */
export interface AuthMock {
  /** Hand these to `setupServer(...)` (msw/node) or `setupWorker(...)` (msw/browser), or `server.use(...)`. */
  readonly handlers: RequestHandler[];
  /** Every token issued, in order. */
  readonly tokens: readonly MockToken[];
  /** Every request answered, in order. */
  readonly requests: readonly MockRequestLogEntry[];
  /** Requests that presented a token that was expired or revoked: an SDK doing its job keeps this at 0. */
  readonly expiredOrRevokedUses: number;
  /** Bodies received by POST /jobs, in order. */
  readonly jobBodies: readonly string[];
  /** How many requests reached `operation` (faults included). */
  count(operation: MockOperation): number;
  /** The next `times` (default 1) calls of `operation` answer with a fault instead. */
  failNext(operation: MockOperation, fault: FaultOptions): void;
  /** Issues a long token directly, as if the app's backend had obtained it. */
  mintLongToken(options?: {
    readonly clientId?: string;
    readonly scopes?: readonly string[];
    readonly ttlSeconds?: number;
  }): LongTokenResponse;
  /** Revokes a token by id (a long token's short tokens too), as an admin would. */
  revoke(tokenId: string): void;
  /** Revokes every token. */
  revokeAll(): void;
  /** Forgets tokens, log, counts and faults. */
  reset(): void;
}

const DEFAULT_SCOPES = ['jobs:*', 'templates:read', 'tokens:write', 'tokens:revoke'];
const DEFAULT_CLIENT: MockClient = { clientId: 'c2m_abc123', clientSecret: 'supersecret123', otpCodes: ['123456'] };

const authError = (status: number, code: string, message: string) => HttpResponse.json({ code, message }, { status });
const bearerOf = (request: Request): string | undefined => /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];

/**
 * MSW handlers that behave like the C2M auth server, with state: they check each operation's
 * security, accept the configured credentials (OTP codes work once), issue tokens with ids and
 * lifetimes (expiring by `Date.now()`, so fake timers drive them), narrow scopes, revoke idempotently
 * (a long token's revocation revokes its short tokens), answer the contract's AuthError bodies, and
 * serve an example protected resource, `GET`/`POST {baseUrl}/jobs`, that wants a valid short token.
 *
 * It needs msw installed (`npm install -D msw`), an optional peer dependency. Bad credentials get what
 * the server answers: a wrong secret, a used OTP code, an assertion the client does not have, or more
 * than one step-up mechanism in one call (a short token with a secret, OTP code or assertion too) 400
 * `invalid_grant`; an unknown client id, or an `X-Client-Id` missing or naming another client than
 * the body, 401 `invalid_client`; another client's short token 403 `insufficient_scope`; an unknown,
 * expired or revoked token 401 `invalid_token`.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node'
 * import { createAuthHandlers } from 'c2m-auth/testing'
 * const mock = createAuthHandlers({ baseUrl: 'https://api.test/v1' })
 * const server = setupServer(...mock.handlers)
 * ```
 */
export function createAuthHandlers(options: AuthHandlersOptions = {}): AuthMock {
  const baseUrl = (options.baseUrl ?? 'https://api.example.com/v1').replace(/\/+$/, '');
  const clients = new Map((options.clients ?? [DEFAULT_CLIENT]).map((client) => [client.clientId, client]));
  const usedOtpCodes = new Set<string>();
  const registry = new TokenRegistry();
  const faults = new FaultQueue<MockOperation>();
  const log: MockRequestLogEntry[] = [];
  const jobBodies: string[] = [];
  let refusedUses = 0;

  const scopesOf = (client: MockClient) => client.scopes ?? DEFAULT_SCOPES;
  const tokenBody = (token: MockToken) => ({
    token_type: 'Bearer' as const,
    access_token: token.value,
    expires_in: Math.round((token.expiresAtMs - token.issuedAtMs) / 1000),
    expires_at: new Date(token.expiresAtMs).toISOString(),
    scopes: [...token.scopes],
    token_id: token.id,
  });
  /** The presented token if valid; counts uses of expired or revoked ones. */
  const authorise = (request: Request, kind?: 'long' | 'short'): MockToken | undefined => {
    const checked = registry.check(bearerOf(request), kind);
    if (typeof checked !== 'string') return checked;
    if (checked === 'expired' || checked === 'revoked') refusedUses += 1;
    return undefined;
  };
  const invalidToken = () => authError(401, 'invalid_token', 'The provided token is expired or invalid');

  /** Wraps a resolver with the log, the counts and fault injection. */
  const serve =
    (operation: MockOperation, resolve: (request: Request, params: Record<string, string>) => Promise<Response> | Response) =>
    async ({ request, params }: { request: Request; params: Record<string, string | readonly string[] | undefined> }) => {
      const entry = { operation, method: request.method, url: request.url, status: 0, atMs: Date.now() };
      log.push(entry);
      const fault: Fault | undefined = faults.take(operation);
      const response = (await fault?.respond()) ?? (await resolve(request, params as Record<string, string>));
      // An injected network error is Response.error(), whose status is 0.
      entry.status = response.status;
      return response;
    };

  const issueLong = serve('issueLongTermToken', async (request) => {
    const parsed = core.safeParse(longTokenRequestSchema, await request.json().catch(() => undefined));
    if (!parsed.success) return authError(400, 'invalid_request', 'The request body is not a valid LongTokenRequest');
    const body = parsed.data;
    const client = clients.get(body.client_id);
    const bearer = bearerOf(request);
    const clientKey = request.headers.get('x-client-id');
    // X-Client-Id names the caller: it must be the body's client (and is required without a bearer).
    if (clientKey !== null && clientKey !== body.client_id)
      return authError(401, 'invalid_client', 'X-Client-Id is not the client of the body');
    // The contract's step-up rule, the one AuthApi checks before sending: exactly one mechanism.
    const mixed = grantIssues(body, bearer !== undefined).length > 0;
    const notOneMechanism = () => authError(400, 'invalid_grant', 'Exactly one step-up mechanism is required');
    let grantedBy: readonly string[];
    if (bearer !== undefined) {
      const short = authorise(request, 'short');
      if (short === undefined) return invalidToken();
      if (mixed) return notOneMechanism();
      if (!short.scopes.includes('tokens:write')) return authError(403, 'insufficient_scope', 'The token lacks the tokens:write scope');
      if (short.clientId !== body.client_id) return authError(403, 'insufficient_scope', 'The token belongs to another client');
      grantedBy = client === undefined ? short.scopes : scopesOf(client);
    } else {
      if (client === undefined || clientKey === null) return authError(401, 'invalid_client', 'Unknown client');
      if (mixed) return notOneMechanism();
      // Exactly one mechanism is here (grantIssues): an assertion with its type, a secret, or an OTP code.
      // A code is spent under its client, as a key no other (client, code) pair spells; a grant without a
      // code spends a key with null in it, which no code matches.
      const otpKey = JSON.stringify([client.clientId, body.otp_code]);
      const ok =
        body.grant_type === 'assertion'
          ? client.assertions?.includes(body.assertion as string) === true
          : body.client_secret !== undefined
            ? body.client_secret === client.clientSecret
            : client.otpCodes?.includes(body.otp_code as string) === true && !usedOtpCodes.has(otpKey);
      if (!ok) return authError(400, 'invalid_grant', 'The grant is not valid for this client');
      usedOtpCodes.add(otpKey);
      grantedBy = scopesOf(client);
    }
    const scopes = body.scopes ?? grantedBy;
    if (uncoveredScopes(grantedBy, scopes).length > 0)
      return authError(403, 'insufficient_scope', 'A requested scope is not allowed for this client');
    const token = registry.issue('long', body.client_id, scopes, body.ttl_seconds ?? options.longTokenTtlSeconds ?? 2_592_000);
    return HttpResponse.json(tokenBody(token), { status: 201, headers: { 'X-Token-Id': token.id } });
  });

  const issueShort = serve('issueShortTermToken', async (request) => {
    const long = authorise(request, 'long');
    if (long === undefined) return invalidToken();
    const text = await request.text();
    let json: unknown = {};
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      return authError(400, 'invalid_request', 'The request body is not JSON');
    }
    const parsed = core.safeParse(shortTokenRequestSchema, json);
    if (!parsed.success) return authError(400, 'invalid_request', 'The request body is not a valid ShortTokenRequest');
    const scopes = parsed.data.scopes ?? long.scopes;
    if (uncoveredScopes(long.scopes, scopes).length > 0) return authError(400, 'invalid_scope', 'A requested scope exceeds the long token');
    const token = registry.issue('short', long.clientId, scopes, options.shortTokenTtlSeconds ?? 900, long.id);
    return HttpResponse.json(tokenBody(token), { status: 201 });
  });

  const revoke = serve('revokeToken', (request, params) => {
    if (authorise(request) === undefined) return invalidToken();
    const target = registry.byId(decodeURIComponent(params.tokenId as string));
    if (target === undefined) return authError(404, 'not_found', 'Token not found');
    registry.revoke(target);
    return new HttpResponse(null, { status: 204 });
  });

  const jobs = serve('jobs', async (request) => {
    if (authorise(request, 'short') === undefined) return invalidToken();
    if (request.method === 'GET') return HttpResponse.json({ jobs: jobBodies.map((body, index) => ({ id: `job_${index + 1}`, body })) });
    jobBodies.push(await request.text());
    return HttpResponse.json({ id: `job_${jobBodies.length}` }, { status: 201 });
  });

  return {
    handlers: [
      http.post(`${baseUrl}/auth/tokens/long`, issueLong),
      http.post(`${baseUrl}/auth/tokens/short`, issueShort),
      http.post(`${baseUrl}/auth/tokens/:tokenId/revoke`, revoke),
      http.get(`${baseUrl}/jobs`, jobs),
      http.post(`${baseUrl}/jobs`, jobs),
    ],
    get tokens() {
      return registry.all;
    },
    get requests() {
      return [...log];
    },
    get expiredOrRevokedUses() {
      return refusedUses;
    },
    get jobBodies() {
      return [...jobBodies];
    },
    count: (operation) => log.filter((entry) => entry.operation === operation).length,
    failNext: (operation, fault) => faults.add(operation, fault),
    mintLongToken: (mint = {}) => {
      const clientId = mint.clientId ?? [...clients.keys()][0] ?? DEFAULT_CLIENT.clientId;
      const client = clients.get(clientId);
      return tokenBody(
        registry.issue(
          'long',
          clientId,
          mint.scopes ?? (client ? scopesOf(client) : DEFAULT_SCOPES),
          mint.ttlSeconds ?? options.longTokenTtlSeconds ?? 2_592_000,
        ),
      );
    },
    revoke: (tokenId) => {
      const token = registry.byId(tokenId);
      if (token !== undefined) registry.revoke(token);
    },
    revokeAll: () => {
      for (const token of registry.all) token.revoked = true;
    },
    reset: () => {
      registry.clear();
      faults.clear();
      log.length = 0;
      jobBodies.length = 0;
      usedOtpCodes.clear();
      refusedUses = 0;
    },
  };
}
