import type { components } from '../generated/schema.js';

type Schemas = components['schemas'];

/** Body of `issueLongTermToken`: a grant (secret, OTP code or assertion) for one client. Wire shape, snake_case. */
export type LongTokenRequest = Schemas['LongTokenRequest'];
/** Body of `issueShortTermToken`; optional, it narrows scopes. Wire shape, snake_case. */
export type ShortTokenRequest = Schemas['ShortTokenRequest'];
/** A long-term token (30 to 90 days), as the server issues it. */
export type LongTokenResponse = Schemas['LongTokenResponse'];
/** A short-term JWT (about 15 minutes), as the server issues it. */
export type ShortTokenResponse = Schemas['ShortTokenResponse'];
/** The body of every error response: `code`, `message`, optional `details`. */
export type AuthError = Schemas['AuthError'];
/** A grant type of {@link LongTokenRequest}. */
export type GrantType = LongTokenRequest['grant_type'];
