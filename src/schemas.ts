import * as core from 'zod/v4/core';

// Each schema is bound to its generated type, both ways, in test/types/schemas.test-d.ts.
// The schemas are built on zod/v4/core, not zod/mini: zod's bytes in a browser bundle are its schema
// kinds and check classes, so only refinements ($ZodCustom, $ZodCheck) and zod's parse are used.
// Strings, literals, whole numbers, arrays, objects and optional fields are built from those, each with
// the issues zod's own kind would raise, and every rule is a refinement with its own message. Each kind
// added costs bytes: zod's object kind (with the never kind for strict objects) cost 1.2 KiB min+gzip.

/** Longest token accepted, in characters: far above any real JWT, far below what breaks a header. */
export const MAX_TOKEN_LENGTH = 16_384;

/** Why a secret or token with a leading or trailing space or line break is refused (never trimmed). */
export const WHITESPACE_MESSAGE = 'must not start or end with whitespace (a line break read from a file or variable?); nothing was sent';

/**
 * `core.safeParse`, but a failure's `error` is only its list of issues: zod's error class (a message
 * of pretty-printed JSON, a lazy toString) is bytes the SDK never reads.
 */
export const safeParse = core._safeParse(
  class {
    constructor(readonly issues: core.$ZodIssue[]) {}
  } as unknown as core.$ZodErrorClass,
);

/** A refinement: passes when `test` holds; its issue's message is `error`'s, which never quotes the value. */
const refine = (test: (value: never) => boolean, error: (issue: { input: unknown }) => string) =>
  new core.$ZodCustom({ type: 'custom', check: 'custom', fn: test as (value: unknown) => boolean, error });

/** A rule: passes when `test` holds; its issue carries `message`. */
const rule = <T>(test: (value: T) => boolean, message: string) => refine(test, () => message) as core.$ZodCheck<T>;

/**
 * A type as a refinement, with the issue of zod's own kind for it and fewer bytes: a value of another
 * type gets `expected <type>`, and none of `checks` runs on it. Its issue is marked (`params`) so an
 * array can tell it from a rule's.
 */
const kind = <T>(type: string, test: (value: unknown) => boolean, checks: core.$ZodCheck<never>[]) =>
  new core.$ZodCustom({
    type: 'custom',
    check: 'custom',
    fn: test,
    error: () => `expected ${type}`,
    abort: true,
    params: { kind: type },
    checks,
  }) as core.$ZodCustom<T, T>;

const string = (...checks: core.$ZodCheck<string>[]) =>
  kind<string>('string', (value) => typeof value === 'string', checks as core.$ZodCheck<never>[]);
const notEmpty = rule<string>((value) => value.length > 0, 'must not be empty');
const atMost = (maximum: number, unit: string) =>
  rule<{ length: number }>((value) => value.length <= maximum, `must have at most ${maximum} ${unit}`);
/**
 * Runs `schema` on `value`, a part of `payload`'s value: the part's issues go onto `payload` under
 * `key` (an index or a field name), as zod's array and object kinds put them; a part not even of its
 * type stops the whole's own rules from running, as there. Returns the parsed part.
 */
const part = (payload: core.ParsePayload, key: PropertyKey, schema: core.$ZodType, value: unknown): unknown => {
  const result = safeParse(schema, value);
  for (const issue of result.error?.issues ?? [])
    payload.issues.push({ ...issue, path: [key, ...issue.path], continue: !('params' in issue) } as core.$ZodRawIssue);
  return result.data;
};
/** A check that replaces its payload's value with what `parse` makes of it. */
const parsing = (parse: (payload: core.ParsePayload, value: never) => unknown) => {
  const check = new core.$ZodCheck({ check: 'custom' });
  check._zod.check = (payload) => {
    payload.value = parse(payload, payload.value as never);
  };
  return check;
};
// A copy, as zod's array kind returns: the body sent is the parsed one, never the caller's array.
const array = <T>(element: core.$ZodType<T>, ...checks: core.$ZodCheck<unknown[]>[]) =>
  kind<T[]>('array', Array.isArray, [
    parsing((payload, value: unknown[]) => value.map((item, index) => part(payload, index, element, item))),
    ...checks,
  ]);
// A literal as a refinement: the same issue message as zod's literal kind, for fewer bytes.
const oneOf = <const T extends string>(values: T[]) =>
  refine(
    (value) => values.includes(value),
    () => `must be ${values.map((value) => `"${value}"`).join(' or ')}`,
  ) as core.$ZodCustom<T, T>;
// May be absent, but not undefined: zod's exact-optional kind marks its wrapper "optional in" (optin),
// which `object` reads; marked here on a copy of the schema itself, which spares that kind's bytes.
const exactOptional = <T extends core.$ZodType>(schema: T) => {
  const optional = core.clone(schema);
  optional._zod.optin = 'optional';
  return optional as unknown as core.$ZodExactOptional<T>;
};
type PlainRecord = { [key: string]: unknown };
const isPlainRecord = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
/**
 * An object as a refinement, for fewer bytes than zod's object kind, with its behaviour: not an object
 * (or an array) reads `expected object`; each field of `shape` is parsed, its issues under its name; an
 * absent optional field is skipped, an absent required one parsed as undefined; the result is a new
 * object of the known fields only. `strict` refuses other keys (`unknown field "x"`, never its value).
 */
const object = <Shape extends core.$ZodShape>(shape: Shape, strict?: true) =>
  kind('object', isPlainRecord, [
    parsing((payload, input: PlainRecord) => {
      const parsed: PlainRecord = {};
      for (const key of Object.keys(shape))
        if (key in input || !shape[key]?._zod.optin) parsed[key] = part(payload, key, shape[key] as core.$ZodType, input[key]);
      const unknown: string[] = [];
      if (strict) for (const key in input) if (!Object.hasOwn(shape, key)) unknown.push(key);
      if (unknown.length > 0)
        payload.issues.push({
          code: 'custom',
          input,
          message: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => JSON.stringify(key)).join(', ')}`,
        });
      return parsed;
    }),
  ]) as unknown as core.$ZodObject<Shape, core.$strip>;
const strictObject = <Shape extends core.$ZodShape>(shape: Shape) => object(shape, true) as unknown as core.$ZodObject<Shape, core.$strict>;

const nonEmpty = string(notEmpty);
// Requests get sanity limits far above any real value, so a runaway string is refused before sending.
const text = (maxLength: number) => string(notEmpty, atMost(maxLength, 'characters'));
// A value read from a file or an environment variable often ends in a line break: refused, never trimmed.
const trimmed = rule<string>((value) => value.trim() === value, WHITESPACE_MESSAGE);
// Secrets and tokens: also no surrounding whitespace.
const secret = (maxLength: number) => string(notEmpty, atMost(maxLength, 'characters'), trimmed);
const requestScopes = array(text(256), atMost(100, 'items'));
// A whole number as a refinement; anything but a finite number reads "expected number", as zod's number kind has it.
const integerIn = (min: number, max: number, message: string) =>
  refine(
    (value: number) => Number.isInteger(value) && value >= min && value <= max,
    (issue) => (Number.isFinite(issue.input) ? message : 'expected number'),
  ) as core.$ZodCustom<number, number>;
// RFC 3339 date-time (what OpenAPI's format: date-time means), with a real calendar date behind it.
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;
/**
 * Whether `value` is an RFC 3339 date-time (`2026-12-01T00:00:00Z`) naming a real instant. Date.parse
 * alone rolls a day past its month's end over (V8 reads `2026-02-30` as March 2), so the day of the
 * month is checked against the calendar date it reads.
 */
export const isDateTime = (value: string): boolean =>
  DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value.slice(0, 10)).getUTCDate() === Number(value.slice(8, 10));
const dateTime = string(rule(isDateTime, 'must be an ISO 8601 date-time'));

/** Run-time schema of {@link LongTokenRequest}: strict, the contract's bounds. */
export const longTokenRequestSchema = strictObject({
  grant_type: oneOf(['client_credentials', 'assertion']),
  client_id: secret(256),
  client_secret: exactOptional(secret(4096)),
  otp_code: exactOptional(secret(64)),
  assertion_type: exactOptional(text(512)),
  assertion: exactOptional(secret(MAX_TOKEN_LENGTH)),
  scopes: exactOptional(requestScopes),
  ttl_seconds: exactOptional(integerIn(3600, 7_776_000, 'must be a whole number of seconds from 3600 to 7776000')),
});

/** Run-time schema of {@link ShortTokenRequest}: strict. */
export const shortTokenRequestSchema = strictObject({
  long_token: exactOptional(secret(MAX_TOKEN_LENGTH)),
  scopes: exactOptional(requestScopes),
});

const tokenResponseShape = {
  token_type: oneOf(['Bearer']),
  access_token: nonEmpty,
  expires_in: integerIn(0, Number.MAX_SAFE_INTEGER, 'must be a whole number of seconds, 0 or more'),
  expires_at: dateTime,
  scopes: exactOptional(array(string())),
  token_id: exactOptional(nonEmpty),
};

/** Run-time schema of {@link LongTokenResponse}. Fields it does not know are kept by the caller. */
export const longTokenResponseSchema = object(tokenResponseShape);

/** Run-time schema of {@link ShortTokenResponse}. Fields it does not know are kept by the caller. */
export const shortTokenResponseSchema = object(tokenResponseShape);

/** Run-time schema of {@link AuthError}, the body of every error response. */
export const authErrorSchema = object({
  code: string(),
  message: string(),
  details: exactOptional(refine(isPlainRecord, () => 'expected object') as core.$ZodCustom<PlainRecord, PlainRecord>),
});
