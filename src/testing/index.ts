/**
 * `c2m-auth/testing`: a mock C2M auth server as MSW request handlers, for an app's own tests with
 * `msw/node` or `msw/browser`. It needs msw installed (`npm install -D msw`): msw is an optional peer
 * dependency of c2m-auth, which the main entry never imports.
 *
 * @packageDocumentation
 */
export {
  type AuthHandlersOptions,
  type AuthMock,
  createAuthHandlers,
  type MockClient,
  type MockOperation,
  type MockRequestLogEntry,
} from './createAuthHandlers.js';
export type { FaultOptions } from './faults.js';
export type { MockToken } from './registry.js';
