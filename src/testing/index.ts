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
