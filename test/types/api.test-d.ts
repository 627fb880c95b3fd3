import { describe, expectTypeOf, it } from 'vitest';
import type { components } from '../../generated/schema.js';
import {
  type ApiResponse,
  AuthApi,
  type AuthApiError,
  type AuthError,
  type AuthSdkError,
  type IssueLongTermTokenOptions,
  type IssueShortTermTokenOptions,
  type LongTokenRequest,
  type LongTokenResponse,
  type LongTokenSource,
  type LongTokenValue,
  type RequestValidationError,
  type RevokeTokenOptions,
  type ShortTokenRequest,
  type ShortTokenResponse,
  type TokenSource,
} from '../../src/index.js';

type Schemas = components['schemas'];

describe('public types', () => {
  it('re-exports the generated wire types', () => {
    expectTypeOf<LongTokenRequest>().toEqualTypeOf<Schemas['LongTokenRequest']>();
    expectTypeOf<LongTokenResponse>().toEqualTypeOf<Schemas['LongTokenResponse']>();
    expectTypeOf<ShortTokenRequest>().toEqualTypeOf<Schemas['ShortTokenRequest']>();
    expectTypeOf<ShortTokenResponse>().toEqualTypeOf<Schemas['ShortTokenResponse']>();
    expectTypeOf<AuthError>().toEqualTypeOf<Schemas['AuthError']>();
    expectTypeOf<TokenSource>().toEqualTypeOf<string | (() => string | Promise<string>)>();
    type Value = string | { readonly access_token: string; readonly expires_at?: string; readonly token_id?: string };
    expectTypeOf<LongTokenValue>().toEqualTypeOf<Value>();
    expectTypeOf<LongTokenSource>().toEqualTypeOf<Value | (() => Value | Promise<Value>)>();
  });

  it('types the operations', () => {
    const api = new AuthApi({ baseUrl: 'https://api.example.com/v1' });
    expectTypeOf(api.issueLongTermToken).parameters.toEqualTypeOf<[body: LongTokenRequest, options?: IssueLongTermTokenOptions]>();
    expectTypeOf<IssueLongTermTokenOptions>().toEqualTypeOf<{
      readonly shortToken?: TokenSource;
      readonly clientId?: string;
      readonly signal?: AbortSignal;
      readonly headers?: HeadersInit;
    }>();
    expectTypeOf(api.issueLongTermToken).returns.toEqualTypeOf<Promise<LongTokenResponse>>();
    expectTypeOf(api.issueShortTermToken).parameters.toEqualTypeOf<[body?: ShortTokenRequest, options?: IssueShortTermTokenOptions]>();
    expectTypeOf<IssueShortTermTokenOptions>().toEqualTypeOf<{
      readonly longToken?: LongTokenSource;
      readonly signal?: AbortSignal;
      readonly headers?: HeadersInit;
    }>();
    expectTypeOf(api.issueShortTermToken).returns.toEqualTypeOf<Promise<ShortTokenResponse>>();
    expectTypeOf(api.revokeToken).parameters.toEqualTypeOf<[tokenId: string, options?: RevokeTokenOptions]>();
    expectTypeOf<RevokeTokenOptions>().toEqualTypeOf<{
      readonly shortToken?: TokenSource;
      readonly longToken?: LongTokenSource;
      readonly signal?: AbortSignal;
      readonly headers?: HeadersInit;
    }>();
    expectTypeOf(api.revokeToken).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(api.withResponse.issueShortTermToken).returns.toEqualTypeOf<Promise<ApiResponse<ShortTokenResponse>>>();
    expectTypeOf(api.withResponse.revokeToken).returns.toEqualTypeOf<Promise<ApiResponse<undefined>>>();
  });

  it('rejects wire shapes that break the contract', () => {
    const api = new AuthApi({ baseUrl: 'https://api.example.com/v1' });
    // @ts-expect-error grant_type is an enum
    void api.issueLongTermToken({ grant_type: 'password', client_id: 'c' });
    // @ts-expect-error client_id is required
    void api.issueLongTermToken({ grant_type: 'client_credentials', client_secret: 's' });
    // @ts-expect-error wire fields are snake_case
    void api.issueShortTermToken({ longToken: 'x' });
    // @ts-expect-error the token id is a string
    void api.revokeToken(42);
    // @ts-expect-error timeout is a number of ms or false
    void new AuthApi({ timeout: '10s' });
  });

  it('types the errors', () => {
    expectTypeOf<AuthApiError>().toExtend<AuthSdkError>();
    expectTypeOf<AuthApiError['name']>().toEqualTypeOf<'AuthApiError'>();
    expectTypeOf<AuthApiError['retryAfter']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RequestValidationError['issues']>().toEqualTypeOf<
      readonly { readonly path: readonly (string | number)[]; readonly message: string }[]
    >();
  });
});
