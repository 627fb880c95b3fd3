export { AuthApi, type AuthApiWithResponse } from './api/AuthApi.js';
export type {
  AfterResponseHook,
  ApiResponse,
  AuthApiHooks,
  AuthApiOptions,
  AuthApiRetryOptions,
  BeforeRequestHook,
  CallOptions,
  HeadersOption,
  IssueLongTermTokenOptions,
  IssueShortTermTokenOptions,
  LongTokenSource,
  LongTokenValue,
  RetryPolicy,
  RevokeTokenOptions,
  TokenSource,
} from './api/options.js';
export { BrowserTokenStore, type BrowserTokenStoreOptions, type WebLockManager } from './browser/BrowserTokenStore.js';
export { AbortError } from './errors/AbortError.js';
export { AuthApiError, type AuthApiErrorInit } from './errors/AuthApiError.js';
export { AuthSdkError } from './errors/AuthSdkError.js';
export { NetworkError } from './errors/NetworkError.js';
export { RequestValidationError, type ValidationIssue } from './errors/RequestValidationError.js';
export { ResponseValidationError } from './errors/ResponseValidationError.js';
export { SessionClosedError } from './errors/SessionClosedError.js';
export { SessionExpiredError } from './errors/SessionExpiredError.js';
export { TimeoutError } from './errors/TimeoutError.js';
export { TokenStoreError, type TokenStoreErrorReason } from './errors/TokenStoreError.js';
export { AuthSession } from './session/AuthSession.js';
export { AUTH_SESSION_EVENTS, type AuthSessionEventName, type AuthSessionEvents, type AuthSessionListener } from './session/events.js';
export { MemoryTokenStore } from './session/MemoryTokenStore.js';
export type {
  AuthSessionOptions,
  AuthSessionSettings,
  AuthSessionTarget,
  GetAccessTokenOptions,
  GivenLongToken,
  SessionCredentials,
} from './session/options.js';
export type { LeaseOptions, StoredShortToken, TokenRecord, TokenStore, TokenStoreChange } from './session/TokenStore.js';
export type { AuthError, GrantType, LongTokenRequest, LongTokenResponse, ShortTokenRequest, ShortTokenResponse } from './types.js';
