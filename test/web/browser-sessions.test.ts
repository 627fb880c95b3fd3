// AuthSessions in several "tabs" (BrowserTokenStore instances sharing one TestLockManager and the real
// BroadcastChannel), against the kit through msw: sign-out reaching every tab, and nothing of the app
// running while a tab holds the lease.
import { afterEach, describe, expect, it } from 'vitest';
import { AuthSession, BrowserTokenStore, SessionClosedError } from '../../src/index.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';
import { TestLockManager } from '../support/web-locks.js';

useMsw();
const mock = useAuthMock();
let run = 0;
const sessions: AuthSession[] = [];
const stores: BrowserTokenStore[] = [];

afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
  for (const store of stores.splice(0)) store.close();
});

/** `count` tabs of one origin, each with its session; the long token comes from the "backend". */
function openTabs(count: number, longToken: () => Promise<unknown>) {
  const locks = new TestLockManager();
  const name = `sessions-${++run}`;
  const leaseHeld = async () => (await locks.query()).held.some((lock) => lock.name.startsWith(`${name}:lease:`));
  const tabs = Array.from({ length: count }, () => {
    const store = new BrowserTokenStore({ name, locks, storage: 'memory' });
    stores.push(store);
    const session = new AuthSession({
      baseUrl: BASE_URL,
      longToken: longToken as () => Promise<{ access_token: string }>,
      store,
      storeShortToken: true,
    });
    sessions.push(session);
    return { store, session };
  });
  return { tabs, leaseHeld };
}

describe('AuthSession on BrowserTokenStore', () => {
  it('makes one exchange for every tab, and signs them all out when one revokes', async () => {
    const long = () => mock().mintLongToken();
    const minted = long();
    const { tabs } = openTabs(3, async () => minted);
    const tokens = await Promise.all(tabs.map(({ session }) => session.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(mock().count('issueShortTermToken')).toBe(1);
    const [leaving, ...others] = tabs as [(typeof tabs)[0], ...typeof tabs];
    await leaving.session.revoke();
    // The sign-out reaches the other tabs as a channel message: delivered on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    for (const { session } of others) {
      await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionClosedError);
    }
    expect(await Promise.all(tabs.map(({ store }) => store.get(`c2m-auth:${BASE_URL}:default`)))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(mock().requests.map((entry) => entry.operation)).toEqual(['issueShortTermToken', 'revokeToken', 'revokeToken']);
  });

  it('drops a refresh that finishes in a tab after another signed out: it rejects, and nothing is written back', async () => {
    const minted = mock().mintLongToken();
    const { tabs } = openTabs(2, async () => minted);
    const [leaving, refreshing] = tabs as [(typeof tabs)[0], (typeof tabs)[0]];
    await leaving.session.getLongToken();
    mock().failNext('issueShortTermToken', { delayMs: 200 });
    const pending = refreshing.session.getAccessToken();
    await expect.poll(() => mock().requests.length).toBe(1);
    await leaving.session.revoke();
    await expect(pending).rejects.toBeInstanceOf(SessionClosedError);
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const { store } of tabs) expect(await store.get(`c2m-auth:${BASE_URL}:default`)).toBeUndefined();
  });

  it('calls the longToken function before it takes the lease, and the listeners after it released it', async () => {
    const seen: string[] = [];
    let leaseHeld = async () => false;
    const minted = mock().mintLongToken();
    const opened = openTabs(1, async () => {
      seen.push(`longToken: lease ${(await leaseHeld()) ? 'held' : 'free'}`);
      return minted;
    });
    leaseHeld = opened.leaseHeld;
    const checks: Promise<void>[] = [];
    for (const { session } of opened.tabs) {
      session.on('tokenRefreshed', () => {
        checks.push(leaseHeld().then((held) => void seen.push(`tokenRefreshed: lease ${held ? 'held' : 'free'}`)));
      });
    }
    await Promise.all(opened.tabs.map(({ session }) => session.getAccessToken()));
    await Promise.all(checks);
    expect(seen).toEqual(['longToken: lease free', 'tokenRefreshed: lease free']);
    expect(mock().count('issueShortTermToken')).toBe(1);
  });
});
