/**
 * `c2m-auth/testing/node`: the mock of `c2m-auth/testing` served on a real HTTP socket, for demos,
 * end-to-end tests and other processes. Node only, and it needs msw installed (`npm install -D msw`):
 * msw is an optional peer dependency of c2m-auth, which the main entry never imports.
 *
 * @packageDocumentation
 */
export { type ServeAuthMockOptions, type ServedAuthMock, serveAuthMock } from './serveAuthMock.js';
