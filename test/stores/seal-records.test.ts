import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenStoreError } from '../../src/index.js';
import { RecordSeal } from '../../src/stores/seal.js';

const key = randomBytes(32);
const record = { version: 1, longToken: 'lt_sealed_secret', expiresAtMs: 4_102_444_800_000, tokenId: 'tok_lt_1', revision: 'r1' } as const;
const PREFIX = 'c2m-sealed-v1.';
const UNREADABLE = 'the stored record does not open with this encryptionKey (another key, or tampered)';

/** `value` sealed as another implementation of the format would: prefix, base64 of nonce, ciphertext and tag. */
function sealElsewhere(value: unknown, storeKey: string, withKey: Uint8Array = key): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', withKey, nonce);
  cipher.setAAD(Buffer.from(storeKey));
  const body = Buffer.concat([cipher.update(JSON.stringify(value)), cipher.final()]);
  return `${PREFIX}${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
}

/** The error `promise` rejects with. */
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );

const expectUnreadable = (error: unknown) => {
  expect(error).toBeInstanceOf(TokenStoreError);
  expect([(error as TokenStoreError).reason, (error as Error).message, (error as Error).cause]).toEqual([
    'unreadable_record',
    UNREADABLE,
    undefined,
  ]);
};

describe('RecordSeal keys', () => {
  const base64 = key.toString('base64');

  it.each([
    ['32 bytes', new Uint8Array(key)],
    ['a Buffer of 32 bytes', key],
    ['their base64', base64],
    ['their base64 without padding', base64.replace(/=+$/, '')],
  ])('accepts %s, and the same key opens what another form sealed', async (_name, given) => {
    const sealed = await new RecordSeal(given, 'TestStore').seal(record, 'k');
    expect(await new RecordSeal(key, 'TestStore').open(sealed, 'k')).toEqual(record);
  });

  it.each([
    ['31 bytes', new Uint8Array(31)],
    ['33 bytes', new Uint8Array(33)],
    ['16 bytes of base64', randomBytes(16).toString('base64')],
    ['48 bytes of base64', randomBytes(48).toString('base64')],
    ['base64url', 'A-_'.repeat(14).slice(0, 43)],
    ['base64 with a trailing newline', `${base64}\n`],
    ['base64 with a leading space', ` ${base64}`],
    ['base64 with three = of padding', `${base64.replace(/=+$/, '')}===`],
    ['base64 of a length no bytes have', `${base64.replace(/=+$/, '')}AA`],
    ['an empty string', ''],
    ['a number', 42],
    ['an array of 32 numbers', Array.from({ length: 32 }, () => 1)],
    ['an object whose text is their base64', { toString: () => base64 }],
  ])('refuses %s with a TypeError naming the owner, never the key', (_name, given) => {
    const construct = () => new RecordSeal(given as never, 'TestStore');
    expect(construct).toThrow(new TypeError('TestStore: encryptionKey must be 32 bytes (a Uint8Array, or its base64)'));
  });
});

describe('RecordSeal records', () => {
  const seal = new RecordSeal(key, 'TestStore');

  it('seals as the version prefix, then base64 of a 12-byte nonce, the ciphertext and a 16-byte tag', async () => {
    const sealed = await seal.seal(record, 'k');
    expect(sealed.startsWith(PREFIX)).toBe(true);
    const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    expect(bytes.length).toBe(12 + JSON.stringify(record).length + 16);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from('k'));
    decipher.setAuthTag(bytes.subarray(-16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]).toString();
    expect(JSON.parse(plain)).toEqual(record);
    expect(sealed).not.toContain('lt_sealed_secret');
  });

  it('uses a new nonce for each seal of the same record', async () => {
    const [first, second] = [await seal.seal(record, 'k'), await seal.seal(record, 'k')];
    expect(first).not.toBe(second);
    expect(Buffer.from(first.slice(PREFIX.length), 'base64').subarray(0, 12)).not.toEqual(
      Buffer.from(second.slice(PREFIX.length), 'base64').subarray(0, 12),
    );
    expect([await seal.open(first, 'k'), await seal.open(second, 'k')]).toEqual([record, record]);
  });

  it('opens a record sealed by another implementation of the format', async () => {
    expect(await seal.open(sealElsewhere(record, 'store key'), 'store key')).toEqual(record);
  });

  it.each([
    ['under another store key', () => sealElsewhere(record, 'other')],
    ['with another key', () => sealElsewhere(record, 'k', randomBytes(32))],
    ['holding JSON that is no token record', () => sealElsewhere({ version: 1, longToken: 42 }, 'k')],
    ['holding text that is not JSON', () => `${PREFIX}${Buffer.from('not json').toString('base64')}`],
    ['without the version prefix', () => sealElsewhere(record, 'k').slice(PREFIX.length)],
    ['under another version prefix', () => sealElsewhere(record, 'k').replace('v1.', 'v2.')],
    ['with bytes that are not base64', () => `${PREFIX}%%%%`],
    ['as a plain record', () => record],
    ['as undefined', () => undefined],
  ])('refuses a record sealed %s with TokenStoreError unreadable_record, quoting nothing of it', async (_name, stored) => {
    expectUnreadable(await errorOf(seal.open(stored(), 'k')));
  });

  it('refuses a sealed record with any byte changed', async () => {
    const sealed = await seal.seal(record, 'k');
    const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    for (const index of [0, 11, 12, bytes.length - 17, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] ?? 0) ^ 1;
      expectUnreadable(await errorOf(seal.open(`${PREFIX}${tampered.toString('base64')}`, 'k')));
    }
  });
});
