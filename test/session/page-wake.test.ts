// autoRefresh in a page that slept: the clock moved on while no timer fired, then the page comes back
// (shown again, restored from the back-forward cache, back online). In Node the page is stubbed: a
// `document` and the window's own listeners, both EventTargets.
import { describe, expect, it, vi } from 'vitest';
import { AuthSession } from '../../src/index.js';
import { onPageWake } from '../../src/session/page-wake.js';
import { credentials, useAuthMock, useFakeClock } from '../support/kit.js';
import { BASE_URL, useMsw } from '../support/msw.js';

useMsw();

const mock = useAuthMock();

/** A stubbed page: its document (with visibilityState) and its window's listeners. */
function stubPage() {
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const view = new EventTarget();
  vi.stubGlobal('document', document);
  vi.stubGlobal('addEventListener', view.addEventListener.bind(view));
  vi.stubGlobal('removeEventListener', view.removeEventListener.bind(view));
  return {
    document,
    fire: (type: 'pageshow' | 'online') => view.dispatchEvent(new Event(type)),
    show: (state: 'visible' | 'hidden') => {
      document.visibilityState = state;
      document.dispatchEvent(new Event('visibilitychange'));
    },
  };
}

/** The device sleeps: the wall clock moves on, no timer fires. */
const sleep = (ms: number) => vi.setSystemTime(Date.now() + ms);
const exchanges = () => mock().count('issueShortTermToken');

useFakeClock();

describe('AuthSession autoRefresh when the page comes back', () => {
  it.each([
    ['shown again', (page: ReturnType<typeof stubPage>) => page.show('visible')],
    ['restored from the back-forward cache', (page: ReturnType<typeof stubPage>) => page.fire('pageshow')],
    ['back online', (page: ReturnType<typeof stubPage>) => page.fire('online')],
  ])('refreshes at once when the token fell due while the page slept, on being %s', async (_, wake) => {
    const page = stubPage();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    const first = await session.getAccessToken();
    sleep(20 * 60_000);
    wake(page);
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(2);
    const second = await session.getAccessToken();
    expect(second).not.toBe(first);
    expect(exchanges()).toBe(2);
    session.close();
  });

  it('does nothing when the page is hidden, and sets the timer again from now when nothing is due', async () => {
    const page = stubPage();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    await session.getAccessToken();
    sleep(20 * 60_000);
    page.show('hidden');
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(1);
    // Shown: the token fell due while hidden, so it refreshes; shown once more with the new token
    // good, nothing is sent and the timer is set for the new token's window.
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(2);
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(2);
    // 900 s tokens refresh 60 s before they expire: 839 s from now nothing, at 840 s the refresh.
    await vi.advanceTimersByTimeAsync(839_000);
    expect(exchanges()).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(exchanges()).toBe(3);
    session.close();
  });

  it('shares a refresh already running instead of starting a second one', async () => {
    const page = stubPage();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    await session.getAccessToken();
    sleep(20 * 60_000);
    mock().failNext('issueShortTermToken', { delayMs: 1_000 });
    const asked = session.getAccessToken();
    page.show('visible');
    page.fire('online');
    await vi.advanceTimersByTimeAsync(1_000);
    await asked;
    expect(exchanges()).toBe(2);
    session.close();
  });

  it('sends nothing on waking before the session has a token, or after it closed', async () => {
    const page = stubPage();
    const fresh = new AuthSession({ baseUrl: BASE_URL, credentials, autoRefresh: true });
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(mock().requests).toEqual([]);
    await fresh.getAccessToken();
    fresh.close();
    sleep(20 * 60_000);
    page.fire('pageshow');
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(1);
  });

  it('does not listen without autoRefresh: the clock is checked when asked', async () => {
    const page = stubPage();
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const first = await session.getAccessToken();
    sleep(20 * 60_000);
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(exchanges()).toBe(1);
    expect(await session.getAccessToken()).not.toBe(first);
    expect(exchanges()).toBe(2);
  });
});

describe('onPageWake', () => {
  /** Stubs one kind of place for onPageWake; returns what fires there that a page would take for a wake. */
  const places: [string, () => () => void][] = [
    ['outside a page', () => () => {}],
    [
      'in a worker: listeners of its own, no document',
      () => {
        const worker = new EventTarget();
        vi.stubGlobal('addEventListener', worker.addEventListener.bind(worker));
        vi.stubGlobal('removeEventListener', worker.removeEventListener.bind(worker));
        return () => worker.dispatchEvent(new Event('online'));
      },
    ],
    [
      'where a document is stubbed but the global object takes no listeners',
      () => {
        const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
        vi.stubGlobal('document', document);
        return () => document.dispatchEvent(new Event('visibilitychange'));
      },
    ],
  ];
  it.each(places)('does nothing %s', (_place, stub) => {
    const fire = stub();
    const wake = vi.fn();
    const stop = onPageWake(wake);
    fire();
    stop();
    expect(wake).not.toHaveBeenCalled();
  });

  it('stops calling once stopped, for each of the three events', () => {
    const page = stubPage();
    const wake = vi.fn();
    const stop = onPageWake(wake);
    page.show('visible');
    page.fire('pageshow');
    page.fire('online');
    expect(wake).toHaveBeenCalledTimes(3);
    stop();
    page.show('visible');
    page.fire('pageshow');
    page.fire('online');
    expect(wake).toHaveBeenCalledTimes(3);
  });
});
