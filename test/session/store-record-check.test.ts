// What a store may hand back as a record: plain data of this version, or it reads as none.
import { describe, expect, it } from 'vitest';
import { isTokenRecord } from '../../src/session/TokenStore.js';

describe('isTokenRecord on what a custom store returns', () => {
  const valid = { version: 1, revision: 'r1', longToken: 'lt_x', expiresAtMs: 2e12 };

  it('refuses a short token that is not plain data, even one carrying the fields', () => {
    const callable = Object.assign(() => 'eyJ.x.y', { token: 'eyJ.x.y', expiresAtMs: 2e12 });
    expect(isTokenRecord({ ...valid, shortToken: callable })).toBe(false);
    expect(isTokenRecord({ ...valid, shortToken: { token: 'eyJ.x.y', expiresAtMs: 2e12 } })).toBe(true);
  });

  it('refuses a record that is not plain data, even one carrying the fields', () => {
    const callable = Object.assign(() => 'lt_x', valid);
    expect(isTokenRecord(callable)).toBe(false);
    expect(isTokenRecord({ ...valid })).toBe(true);
  });

  it('refuses times given as numeric strings or big integers', () => {
    expect(isTokenRecord({ ...valid, expiresAtMs: '2000000000000' })).toBe(false);
    expect(isTokenRecord({ ...valid, issuedAtMs: 1_000_000_000_000n })).toBe(false);
    expect(isTokenRecord({ ...valid, shortToken: { token: 'eyJ.x.y', expiresAtMs: '2000000000000' } })).toBe(false);
  });
});
