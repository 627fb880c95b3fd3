export { type ServeAuthMockOptions, type ServedAuthMock, serveAuthMock } from './serveAuthMock.js';
