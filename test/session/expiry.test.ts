import { describe, expect, it } from 'vitest';
import { heldFromResponse, inRotationWindow, isUsable, refreshAtMs, refreshWindowMs } from '../../src/session/expiry.js';

const T0 = 1_000_000;
const short = heldFromResponse({ access_token: 'st', expires_in: 900, token_id: 'tok_st_1' }, T0);

describe('expiry math', () => {
  it('counts expiry from the local send time plus expires_in', () => {
    expect(short).toEqual({ token: 'st', expiresAtMs: T0 + 900_000, issuedAtMs: T0, tokenId: 'tok_st_1' });
  });

  it('refreshes 60 s before expiry, clamped to half the lifetime', () => {
    expect(refreshWindowMs(short, 60)).toBe(60_000);
    expect(refreshAtMs(short, 60)).toBe(T0 + 840_000);
    expect(refreshWindowMs(short, 600)).toBe(450_000);
    expect(refreshWindowMs(heldFromResponse({ access_token: 'st', expires_in: 10 }, T0), 60)).toBe(5_000);
  });

  it('hands out a token only while it outlives a 5 s margin (a tenth of very short lifetimes)', () => {
    expect([isUsable(short, T0 + 894_999), isUsable(short, T0 + 895_000)]).toEqual([true, false]);
    const tiny = heldFromResponse({ access_token: 'st', expires_in: 10 }, T0);
    expect([isUsable(tiny, T0 + 8_999), isUsable(tiny, T0 + 9_000)]).toEqual([true, false]);
  });

  it('puts a long token in its rotation window for the last 10% of its life, 30 days assumed when unknown', () => {
    const long = heldFromResponse({ access_token: 'lt', expires_in: 100_000 }, T0);
    expect([inRotationWindow(long, T0 + 89_999_999, 0.1), inRotationWindow(long, T0 + 90_000_000, 0.1)]).toEqual([false, true]);
    const given = { token: 'lt', expiresAtMs: T0 + 4 * 86_400_000 };
    expect([inRotationWindow(given, T0 + 86_400_000 - 1, 0.1), inRotationWindow(given, T0 + 86_400_000, 0.1)]).toEqual([false, true]);
  });
});
