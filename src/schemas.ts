import * as z from 'zod/mini';

// Each schema is bound to its generated type, both ways, in test/types/schemas.test-d.ts.
// Only a few zod/mini types are used, with `refine` for the rules: every further schema type costs
// bytes in every browser bundle.

/** Longest token accepted, in characters: far above any real JWT, far below what breaks a header. */
export const MAX_TOKEN_LENGTH = 16_384;

const nonEmpty = z.string().check(z.minLength(1));
// Requests get sanity limits far above any real value, so a runaway string is refused before sending.
const text = (maxLength: number) => z.string().check(z.minLength(1), z.maxLength(maxLength));
const requestScopes = z.array(text(256)).check(z.maxLength(100));
const integerIn = (min: number, max: number, message: string) =>
  z.number().check(z.refine((value) => Number.isInteger(value) && value >= min && value <= max, message));
// RFC 3339 date-time (what OpenAPI's format: date-time means), with a real calendar date behind it.
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;
const dateTime = z
  .string()
  .check(z.refine((value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date-time'));

/** Run-time schema of {@link LongTokenRequest}: strict, the contract's bounds. */
export const longTokenRequestSchema = z.strictObject({
  grant_type: z.literal(['client_credentials', 'assertion']),
  client_id: text(256),
  client_secret: z.exactOptional(text(4096)),
  otp_code: z.exactOptional(text(64)),
  assertion_type: z.exactOptional(text(512)),
  assertion: z.exactOptional(text(MAX_TOKEN_LENGTH)),
  scopes: z.exactOptional(requestScopes),
  ttl_seconds: z.exactOptional(integerIn(3600, 7_776_000, 'must be a whole number of seconds from 3600 to 7776000')),
});

/** Run-time schema of {@link ShortTokenRequest}: strict. */
export const shortTokenRequestSchema = z.strictObject({
  long_token: z.exactOptional(text(MAX_TOKEN_LENGTH)),
  scopes: z.exactOptional(requestScopes),
});

const tokenResponseShape = {
  token_type: z.literal('Bearer'),
  access_token: nonEmpty,
  expires_in: integerIn(0, Number.MAX_SAFE_INTEGER, 'must be a whole number of seconds, 0 or more'),
  expires_at: dateTime,
  scopes: z.exactOptional(z.array(z.string())),
  token_id: z.exactOptional(nonEmpty),
};

/** Run-time schema of {@link LongTokenResponse}. Fields it does not know are kept by the caller. */
export const longTokenResponseSchema = z.object(tokenResponseShape);

/** Run-time schema of {@link ShortTokenResponse}. Fields it does not know are kept by the caller. */
export const shortTokenResponseSchema = z.object(tokenResponseShape);

const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Run-time schema of {@link AuthError}, the body of every error response. */
export const authErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.exactOptional(z.custom<{ [key: string]: unknown }>(isPlainRecord, 'expected object')),
});
