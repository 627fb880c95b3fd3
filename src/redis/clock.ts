// Redis's TIME as the clock every host agrees on: each store estimates its own clock's offset from
// it, writes keep the writer's estimate, and reads move a record's instants into the reader's clock.
import { TokenStoreError } from '../errors/TokenStoreError.js';
import type { TokenRecord } from '../session/TokenStore.js';
import { type RedisCommands, replyArray } from './client.js';
import { OWNER } from './store-error.js';

const CLOCK_SAMPLE_TTL_MS = 60_000;

/** One estimate of (local clock − Redis clock), and the round trip it was measured over. */
export interface ClockSample {
  readonly offsetMs: number;
  readonly rttMs: number;
  readonly atMs: number;
}

/** Redis's TIME reply (seconds, microseconds) in ms. */
function redisTimeMs(seconds: unknown, micros: unknown): number {
  const ms = Number(seconds) * 1000 + Number(micros) / 1000;
  if (!Number.isFinite(ms)) throw new TokenStoreError('unavailable', `${OWNER}: Redis answered TIME with no time`);
  return ms;
}

/** The estimate with the shortest round trip of the last minute (the least error, as NTP picks). */
function bestSample(best: ClockSample | undefined, sample: ClockSample): ClockSample {
  if (best === undefined || sample.rttMs <= best.rttMs || sample.atMs - best.atMs > CLOCK_SAMPLE_TTL_MS) return sample;
  return best;
}

/**
 * How far to move a writer's times into the reader's clock. Each offset is within half its round
 * trip (plus the clock's 1 ms tick) of the truth: a smaller difference is noise, and hosts whose
 * clocks agree read their records back exactly as written.
 */
export function clockShiftMs(reader: ClockSample, writerOffsetMs: number, writerRttMs: number): number {
  if (!Number.isFinite(writerOffsetMs) || !Number.isFinite(writerRttMs)) return 0;
  const shift = reader.offsetMs - writerOffsetMs;
  return Math.abs(shift) <= (reader.rttMs + writerRttMs) / 2 + 1 ? 0 : Math.round(shift);
}

/** The record with every instant in it moved by `shiftMs`. */
export function rebaseRecord(record: TokenRecord, shiftMs: number): TokenRecord {
  if (shiftMs === 0) return record;
  const move = (ms: number | undefined) => (ms === undefined ? undefined : ms + shiftMs);
  const short = record.shortToken;
  return {
    ...record,
    ...(record.expiresAtMs === undefined ? {} : { expiresAtMs: move(record.expiresAtMs) }),
    ...(record.issuedAtMs === undefined ? {} : { issuedAtMs: move(record.issuedAtMs) }),
    ...(short === undefined
      ? {}
      : {
          shortToken: {
            ...short,
            expiresAtMs: short.expiresAtMs + shiftMs,
            ...(short.issuedAtMs === undefined ? {} : { issuedAtMs: move(short.issuedAtMs) }),
          },
        }),
  };
}

/** A store's estimate of its clock against Redis's, kept from the replies carrying Redis's TIME. */
export class RedisClock {
  readonly #commands: RedisCommands;
  readonly #now: () => number;
  #best: ClockSample | undefined;

  constructor(commands: RedisCommands, now: () => number) {
    this.#commands = commands;
    this.#now = now;
  }

  /** Records Redis's time against ours, measured over one round trip; the current best estimate. */
  observe(sentMs: number, seconds: unknown, micros: unknown): ClockSample {
    const receivedMs = this.#now();
    const sample = {
      offsetMs: (sentMs + receivedMs) / 2 - redisTimeMs(seconds, micros),
      rttMs: Math.max(0, receivedMs - sentMs),
      atMs: receivedMs,
    };
    this.#best = bestSample(this.#best, sample);
    return this.#best;
  }

  /** The clock estimate a write stores, asking Redis for TIME when there is none recent. */
  async sample(): Promise<ClockSample> {
    const known = this.#best;
    if (known !== undefined && this.#now() - known.atMs <= CLOCK_SAMPLE_TTL_MS) return known;
    const sentMs = this.#now();
    const [seconds, micros] = replyArray(await this.#commands.call(['TIME'], 'TIME'), 2, 'TIME');
    return this.observe(sentMs, seconds, micros);
  }
}
