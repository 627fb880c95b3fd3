// The Lua scripts RedisTokenStore runs (each atomic on the server), and their runner: EVALSHA, then
// EVAL when the server does not have the script yet (a new or restarted server, SCRIPT FLUSH).
import { toHex } from '../stores/hex.js';
import type { RedisCommands } from './client.js';
import { storeError } from './store-error.js';

/** A Lua script, run by EVALSHA, or by EVAL when the server does not have it yet. */
export class LuaScript {
  readonly source: string;
  #sha: Promise<string> | undefined;

  constructor(source: string) {
    this.source = source;
  }

  /** The script's SHA-1, as EVALSHA names it. */
  sha(): Promise<string> {
    this.#sha ??= crypto.subtle.digest('SHA-1', new TextEncoder().encode(this.source)).then((digest) => toHex(new Uint8Array(digest)));
    return this.#sha;
  }
}

// KEYS[1] the record's hash. ARGV: expected ('*' any, '-' no record, '~' a record without revision,
// '=<rev>' that revision), revision ('' none), data ('' deletes), writer's clock offset and round
// trip (ms), ttl (ms, '' none), channel, message. Returns {1 written | 0 refused, TIME seconds, µs}.
export const WRITE = new LuaScript(`
local key, expected = KEYS[1], ARGV[1]
local time = redis.call('TIME')
if expected ~= '*' then
  local exists = redis.call('EXISTS', key) == 1
  local revision = redis.call('HGET', key, 'rev')
  local matches
  if expected == '-' then matches = not exists
  elseif expected == '~' then matches = exists and not revision
  else matches = revision == string.sub(expected, 2) end
  if not matches then return {0, time[1], time[2]} end
end
if ARGV[3] == '' then
  if redis.call('DEL', key) == 1 then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return {1, time[1], time[2]}
end
redis.call('DEL', key)
redis.call('HSET', key, 'data', ARGV[3], 'offsetMs', ARGV[4], 'rttMs', ARGV[5])
if ARGV[2] ~= '' then redis.call('HSET', key, 'rev', ARGV[2]) end
if ARGV[6] ~= '' then redis.call('PEXPIRE', key, ARGV[6]) end
redis.call('PUBLISH', ARGV[7], ARGV[8])
return {1, time[1], time[2]}
`);

// KEYS[1] the record's hash. Returns {TIME seconds, µs, data, writer's offset, writer's round trip}.
export const READ = new LuaScript(`
local time = redis.call('TIME')
local fields = redis.call('HMGET', KEYS[1], 'data', 'offsetMs', 'rttMs')
return {time[1], time[2], fields[1], fields[2], fields[3]}
`);

// KEYS[1] the lease. ARGV: owner, ttl (ms). 1 when extended, 0 when the lease is not the owner's.
export const EXTEND = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

// KEYS[1] the lease. ARGV: owner, channel, message. 1 when released, 0 when not the owner's.
export const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

/** Runs a script by its SHA-1, sending its source when Redis does not know it yet. */
export async function runScript(
  commands: RedisCommands,
  script: LuaScript,
  key: string,
  args: readonly string[],
  operation: string,
): Promise<unknown> {
  const sha = await script.sha();
  try {
    return await commands.send(['EVALSHA', sha, '1', key, ...args], operation);
  } catch (error) {
    if (!isNoScript(error)) throw storeError(error, operation);
  }
  return commands.call(['EVAL', script.source, '1', key, ...args], operation);
}
