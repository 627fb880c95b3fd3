// The one shared run behind "one refresh for many callers", and the per-caller wait on a signal.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, AuthSession } from '../../src/index.js';
import { SingleFlight } from '../../src/session/single-flight.js';
import { useAuthMock } from '../support/kit.js';
import { BASE_URL, CLIENT_SECRET, useMsw } from '../support/msw.js';

useMsw();

const credentials = { grant_type: 'client_credentials', client_id: 'c2m_abc123', client_secret: CLIENT_SECRET } as const;
const mock = useAuthMock();
afterEach(() => {
  vi.useRealTimers();
});

/** A task that settles when told to, counting its starts. */
function gatedTask() {
  const releases: ((value: string) => void)[] = [];
  const task = vi.fn(() => new Promise<string>((resolve) => releases.push(resolve)));
  return { task, release: (index: number, value: string) => releases[index]?.(value) };
}

describe('SingleFlight', () => {
  it('gives callers that arrive while a run is in progress that same run', async () => {
    const flight = new SingleFlight<string>();
    const { task, release } = gatedTask();
    const first = flight.run(task);
    const second = flight.run(task);
    release(0, 'one');
    expect(await Promise.all([first, second])).toEqual(['one', 'one']);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('starts a new run once forgotten, and the forgotten run settling later does not end the new one', async () => {
    const flight = new SingleFlight<string>();
    const { task, release } = gatedTask();
    const old = flight.run(task);
    flight.forget();
    const current = flight.run(task);
    expect(task).toHaveBeenCalledTimes(2);
    release(0, 'old');
    expect(await old).toBe('old');
    // The run in progress is still shared after the forgotten one settled.
    const joined = flight.run(task);
    expect(task).toHaveBeenCalledTimes(2);
    release(1, 'current');
    expect(await Promise.all([current, joined])).toEqual(['current', 'current']);
  });
});

describe("a caller's signal", () => {
  it('leaves no abort listener behind once the call settles, so a long-lived signal collects none', async () => {
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const shutdown = new AbortController();
    for (let call = 0; call < 3; call += 1) await session.getAccessToken({ forceRefresh: true, signal: shutdown.signal });
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(mock().count('issueShortTermToken')).toBe(3);
  });

  it('cancels the wait while the refresh is in flight, and lets go of the signal at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    mock().failNext('issueShortTermToken', { delayMs: 1000 });
    const session = new AuthSession({ baseUrl: BASE_URL, credentials });
    const controller = new AbortController();
    const pending = session.getAccessToken({ signal: controller.signal }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
    // Gone as soon as it fired, before the refresh it left behind settles.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(mock().count('issueShortTermToken')).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
