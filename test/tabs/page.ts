// The app each tab of the tabs suite runs (bundled by server.ts): an AuthSession on a
// BrowserTokenStore, its long token from the app's backend, driven by the test through `window.tab`.
import { AUTH_SESSION_EVENTS, AuthSession, BrowserTokenStore } from '../../src/index.js';

/** What the test drives in a tab. */
export interface Tab {
  /** Starts the tab's session. */
  start(options: TabOptions): void;
  /** getAccessToken(): the token, or the name of the error. */
  token(): Promise<{ token: string } | { error: string }>;
  /** session.revoke(): the sign-out. */
  revoke(): Promise<void>;
  /** Moves the session's clock on, as a sleeping device's does while no timer fires. */
  sleep(ms: number): void;
  /** The session's events, by name, in order. */
  readonly events: string[];
  /** Each short token this tab took into use (issued here or adopted from a peer): its id, and when (Date.now()). */
  readonly shortTokens: { tokenId: string | undefined; atMs: number }[];
}

/** How a tab's session is set up. */
export interface TabOptions {
  readonly autoRefresh?: boolean;
  /** Adds a tokenRefreshed listener that awaits forever. */
  readonly hangingListener?: boolean;
  readonly leaseTtlMs?: number;
}

let session: AuthSession | undefined;
let shiftMs = 0;
const events: string[] = [];
const shortTokens: Tab['shortTokens'] = [];

const started = (): AuthSession => {
  if (session === undefined) throw new Error('tab.start() first');
  return session;
};

const tab: Tab = {
  start(options) {
    session = new AuthSession({
      baseUrl: `${location.origin}/v1`,
      longToken: async () => (await fetch('/api/c2m/long-token')).json(),
      store: new BrowserTokenStore(),
      storeShortToken: true,
      autoRefresh: options.autoRefresh ?? false,
      leaseTtlMs: options.leaseTtlMs ?? 3_000,
      now: () => Date.now() + shiftMs,
    });
    for (const name of AUTH_SESSION_EVENTS) session.on(name, () => events.push(name));
    session.on('tokenRefreshed', ({ tokenId }) => shortTokens.push({ tokenId, atMs: Date.now() }));
    session.on('tokenAdopted', ({ kind, tokenId }) => {
      if (kind === 'short') shortTokens.push({ tokenId, atMs: Date.now() });
    });
    if (options.hangingListener) session.on('tokenRefreshed', () => new Promise<void>(() => {}));
  },
  token: () =>
    started()
      .getAccessToken()
      .then(
        (token) => ({ token }),
        (error: unknown) => ({ error: error instanceof Error ? error.name : String(error) }),
      ),
  revoke: () => started().revoke(),
  sleep(ms) {
    shiftMs += ms;
  },
  events,
  shortTokens,
};

(globalThis as { tab?: Tab }).tab = tab;
