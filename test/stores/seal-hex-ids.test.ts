import { describe, expect, it } from 'vitest';
import { randomHex, toHex } from '../../src/stores/hex.js';

describe('hex ids (revisions, lease owners, script digests)', () => {
  it('writes bytes as lowercase hex, two characters a byte, leading zeros kept', () => {
    expect(toHex(new Uint8Array([0, 1, 10, 171, 255]))).toBe('00010aabff');
    expect(toHex(new Uint8Array([]))).toBe('');
  });

  it('makes random ids of twice as many hex characters as bytes, a new one each time', () => {
    const ids = Array.from({ length: 20 }, () => randomHex(12));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(20);
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
  });
});
