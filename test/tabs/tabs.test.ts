// BrowserTokenStore in real Chromium tabs: pages of one origin (one browser context), each running an
// AuthSession on a BrowserTokenStore (page.ts), against the kit's mock behind the same origin (server.ts).
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_CHROMIUM } from '../support/skip-reasons.js';
import type { Tab, TabOptions } from './page.js';
import { serveTabs, type TabsOrigin } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const TABS = 6;
/** Short tokens of 4 s: the refresh window (half the lifetime) opens 2 s after the exchange. */
const SHORT_TTL_SECONDS = 4;

if (!existsSync(CHROMIUM) && process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1: no Chromium at ${CHROMIUM}`);
const describeTabs = existsSync(CHROMIUM) ? describe : describe.skip;

declare const tab: Tab;

describeTabs('BrowserTokenStore across tabs (real Chromium)', { meta: { skipReason: NO_CHROMIUM }, timeout: 60_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let origin: TabsOrigin;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await context?.close();
    await origin?.close();
  });

  async function openTabs(
    count: number,
    options: TabOptions = {},
    init?: () => void,
    shortTtlSeconds = SHORT_TTL_SECONDS,
  ): Promise<Page[]> {
    origin = await serveTabs({ shortTokenTtlSeconds: shortTtlSeconds });
    context = await browser.newContext();
    if (init !== undefined) await context.addInitScript(init);
    return Promise.all(
      Array.from({ length: count }, async () => {
        const page = await context.newPage();
        await page.goto(origin.pageUrl);
        await page.waitForFunction(() => 'tab' in globalThis);
        await page.evaluate((given) => tab.start(given), options);
        return page;
      }),
    );
  }

  const tokenOf = (page: Page) => page.evaluate(() => tab.token());
  const exchanges = () => origin.mock.count('issueShortTermToken');

  it(`makes 1 exchange for ${TABS} tabs started together, and 1 at the refresh window, every tab on the new token within 1 s`, async () => {
    const pages = await openTabs(TABS, { autoRefresh: true });
    const first = await Promise.all(pages.map(tokenOf));
    expect(new Set(first.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(first[0]).toHaveProperty('token');
    expect([exchanges(), origin.mock.count('issueLongTermToken')]).toEqual([1, 0]);
    // The app's longToken function runs outside the lock: tabs that start at the same moment may
    // each call it once (the backend hands them all the user's one long token); one exchange in all.
    expect(origin.backendCalls()).toBeGreaterThanOrEqual(1);
    expect(origin.backendCalls()).toBeLessThanOrEqual(TABS);

    // The refresh window opens 2 s after the exchange: every tab's timer fires, one tab exchanges.
    const shortTokens = () => origin.mock.tokens.filter((token) => token.kind === 'short');
    await expect.poll(() => shortTokens().length, { timeout: 10_000, interval: 50 }).toBe(2);
    const newId = shortTokens().at(-1)?.id;
    const exchangedAtMs = Date.now();
    const latest = await Promise.all(
      pages.map(async (page) => {
        await page.waitForFunction((id) => tab.shortTokens.at(-1)?.tokenId === id, newId, { timeout: 5_000 });
        return page.evaluate(() => tab.shortTokens.at(-1)?.atMs ?? 0);
      }),
    );
    for (const atMs of latest) expect(Math.abs(atMs - exchangedAtMs)).toBeLessThan(1_000);
    expect(exchanges()).toBe(2);
  });

  it('lets another tab refresh when the tab holding the lock closes in the middle of its exchange', async () => {
    const pages = await openTabs(3, { leaseTtlMs: 3_000 });
    const [holder, ...others] = pages as [Page, ...Page[]];
    origin.mock.failNext('issueShortTermToken', { delayMs: 60_000 });
    const held = holder.evaluate(() => tab.token()).catch(() => 'closed');
    await expect.poll(() => origin.mock.requests.length, { timeout: 5_000, interval: 20 }).toBe(1);
    const waiting = others.map(tokenOf);
    await holder.close();
    expect(await held).toBe('closed');
    const results = await Promise.all(waiting);
    expect(results.every((result) => 'token' in result)).toBe(true);
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    // The closed tab's exchange was never answered (logged with status 0); one other tab's was.
    expect(origin.mock.requests.map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
      'issueShortTermToken 0',
      'issueShortTermToken 201',
    ]);
  });

  it('keeps refreshing in every tab while a listener in one awaits forever', async () => {
    const pages = await openTabs(3, { autoRefresh: true, hangingListener: true });
    await Promise.all(pages.map(tokenOf));
    await expect.poll(exchanges, { timeout: 10_000, interval: 50 }).toBe(3);
    const results = await Promise.all(pages.map(tokenOf));
    expect(results.every((result) => 'token' in result)).toBe(true);
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
  });

  it('signs every tab out when one revokes: the others reject with SessionClosedError within 1 s and send nothing', async () => {
    const pages = await openTabs(TABS);
    const [leaving, ...others] = pages as [Page, ...Page[]];
    await Promise.all(pages.map(tokenOf));
    const sent = origin.mock.requests.length;
    const startedMs = Date.now();
    await leaving.evaluate(() => tab.revoke());
    const results = await Promise.all(
      others.map(async (page) => {
        await page.waitForFunction(() => tab.token().then((result) => 'error' in result), undefined, { timeout: 1_000, polling: 50 });
        return tokenOf(page);
      }),
    );
    expect(Date.now() - startedMs).toBeLessThan(2_000);
    expect(results).toEqual(others.map(() => ({ error: 'SessionClosedError' })));
    // The leaving tab's two revocations (its short token, then the long one); nothing from the others.
    expect(origin.mock.requests.slice(sent).map((entry) => `${entry.operation} ${entry.status}`)).toEqual([
      'revokeToken 204',
      'revokeToken 204',
    ]);
    expect(origin.mock.tokens.map((token) => `${token.kind} ${token.revoked ? 'revoked' : 'live'}`)).toEqual([
      'long revoked',
      'short revoked',
    ]);
  });

  it('works tab by tab without Web Locks', async () => {
    const pages = await openTabs(TABS, {}, () => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    });
    expect(await pages[0]?.evaluate(() => navigator.locks)).toBeUndefined();
    const results = await Promise.all(pages.map(tokenOf));
    expect(results.every((result) => 'token' in result)).toBe(true);
    expect(exchanges()).toBe(TABS);
    expect(origin.mock.requests.every((entry) => entry.status === 201)).toBe(true);
  });

  it('refreshes a tab woken after its token expired before handing anything out', async () => {
    // 15-minute tokens: no refresh timer fires while the test runs; only the wake-up can refresh.
    const [page] = (await openTabs(1, { autoRefresh: true }, undefined, 900)) as [Page];
    const before = await tokenOf(page);
    // The device sleeps 20 minutes: the clock moves on, no timer fires; then the tab is shown again.
    await page.evaluate(() => {
      tab.sleep(20 * 60_000);
      document.dispatchEvent(new Event('visibilitychange'));
    });
    // The wake-up alone refreshes: its tokenRefreshed, with no call made.
    await page.waitForFunction(() => tab.events.length === 2, undefined, { timeout: 5_000 });
    expect(await page.evaluate(() => tab.events)).toEqual(['tokenRefreshed', 'tokenRefreshed']);
    expect(exchanges()).toBe(2);
    const after = await tokenOf(page);
    expect(after).not.toEqual(before);
    expect(exchanges()).toBe(2);
  });
});
