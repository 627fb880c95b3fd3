import { type HttpResponseResolver, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LONG_TOKEN, SHORT_TOKEN } from './secrets.js';

/** The base URL every test AuthApi talks to; msw answers it. */
export const BASE_URL = 'https://auth.test/v1';

export const server = setupServer();

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Every request that reached msw in the current test, in order. */
export const seen: SeenRequest[] = [];

const pendingBodies: Promise<unknown>[] = [];

server.events.on('request:start', ({ request }) => {
  const entry: SeenRequest = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: '' };
  seen.push(entry);
  pendingBodies.push(
    request
      .clone()
      .text()
      .then(
        (text) => {
          entry.body = text;
        },
        () => undefined,
      ),
  );
});

/** `seen`, once every logged request's body has been read. */
export async function settled(): Promise<SeenRequest[]> {
  await Promise.all(pendingBodies);
  return seen;
}

/** Starts msw for the file (unhandled requests are errors) and resets handlers and the log after each test. */
export function useMsw(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    seen.length = 0;
    pendingBodies.length = 0;
  });
  afterAll(() => server.close());
}

/** Answers POST `path` (relative to BASE_URL) with `resolver`. */
export function onPost(path: string, resolver: HttpResponseResolver): void {
  server.use(http.post(`${BASE_URL}/${path}`, resolver));
}

export { ASSERTION, CLIENT_SECRET, LONG_TOKEN, OTP_CODE, SHORT_TOKEN } from './secrets.js';

export const longTokenBody = {
  token_type: 'Bearer',
  access_token: LONG_TOKEN,
  expires_in: 2_592_000,
  expires_at: '2025-09-25T22:45:00Z',
  scopes: ['jobs:*'],
  token_id: 'tok_lt_b8e0aa',
} as const;

export const shortTokenBody = {
  token_type: 'Bearer',
  access_token: SHORT_TOKEN,
  expires_in: 900,
  expires_at: '2025-08-26T22:45:00Z',
  scopes: ['jobs:submit', 'templates:read'],
  token_id: 'tok_st_9f3d2c',
} as const;
