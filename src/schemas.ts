import * as z from 'zod/mini';

// Each schema is bound to its generated type, both ways, in test/types/schemas.test-d.ts.

const nonEmpty = z.string().check(z.minLength(1));
const scopeList = z.array(nonEmpty);

/** Run-time schema of {@link LongTokenRequest}: strict, the contract's bounds. */
export const longTokenRequestSchema = z.strictObject({
  grant_type: z.enum(['client_credentials', 'assertion']),
  client_id: nonEmpty,
  client_secret: z.exactOptional(nonEmpty),
  otp_code: z.exactOptional(nonEmpty),
  assertion_type: z.exactOptional(nonEmpty),
  assertion: z.exactOptional(nonEmpty),
  scopes: z.exactOptional(scopeList),
  ttl_seconds: z.exactOptional(z.int().check(z.gte(3600), z.lte(7_776_000))),
});

/** Run-time schema of {@link ShortTokenRequest}: strict. */
export const shortTokenRequestSchema = z.strictObject({
  long_token: z.exactOptional(nonEmpty),
  scopes: z.exactOptional(scopeList),
});

const tokenResponseShape = {
  token_type: z.literal('Bearer'),
  access_token: nonEmpty,
  expires_in: z.int().check(z.gte(0)),
  expires_at: z.iso.datetime({ offset: true }),
  scopes: z.exactOptional(z.array(z.string())),
  token_id: z.exactOptional(nonEmpty),
};

/** Run-time schema of {@link LongTokenResponse}. Fields it does not know are kept by the caller. */
export const longTokenResponseSchema = z.object(tokenResponseShape);

/** Run-time schema of {@link ShortTokenResponse}. Fields it does not know are kept by the caller. */
export const shortTokenResponseSchema = z.object(tokenResponseShape);

/** Run-time schema of {@link AuthError}, the body of every error response. */
export const authErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.exactOptional(z.record(z.string(), z.unknown())),
});
