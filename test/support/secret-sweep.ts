// Suite-wide secret sweep (a setup file of the node project): every SDK error constructed, every
// session event emitted and every console line written while a test file runs is collected, and at
// the end of the file searched for every secret and token the tests used. The count must be 0.
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { AuthSdkError } from '../../src/errors/AuthSdkError.js';
import { Emitter } from '../../src/session/events.js';
import { TokenRegistry } from '../../src/testing/registry.js';
import { ASSERTION, CLIENT_SECRET, LONG_TOKEN, OTP_CODE, SHORT_TOKEN } from './secrets.js';

// This file's collection. In a worker that runs many files in one module graph (isolate: false, the
// mutation runs) this setup file runs before each of them: the SDK's classes are patched once (marked
// with PATCHED), and the patches report to the collection of the file that runs now. Classes loaded
// anew (a fresh graph) carry no mark and are patched again.
interface Sweep {
  readonly collected: unknown[];
  readonly secrets: Set<string>;
}
const sweep: Sweep = {
  collected: [],
  secrets: new Set([CLIENT_SECRET, OTP_CODE, ASSERTION, LONG_TOKEN, SHORT_TOKEN, 'supersecret123']),
};
const CURRENT = Symbol.for('c2m-auth.secret-sweep.current');
const PATCHED = Symbol.for('c2m-auth.secret-sweep.patched');
const store = globalThis as { [CURRENT]?: Sweep };
store[CURRENT] = sweep;
const current = (): Sweep => store[CURRENT] as Sweep;
function patchOnce(target: object, patch: () => void): void {
  if (Object.hasOwn(target, PATCHED)) return;
  patch();
  Object.defineProperty(target, PATCHED, { value: true });
}

// Every SDK error: AuthSdkError's superclass is swapped for one that records each instance. `super()`
// looks the superclass up at call time, so every subclass's construction passes through it.
class CollectingError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    current().collected.push(this);
  }
}
patchOnce(AuthSdkError, () => {
  Object.setPrototypeOf(AuthSdkError, CollectingError);
  Object.setPrototypeOf(AuthSdkError.prototype, CollectingError.prototype);
});

// Every session event.
patchOnce(Emitter.prototype, () => {
  const emit = Emitter.prototype.emit;
  Emitter.prototype.emit = function (this: Emitter, name, event) {
    current().collected.push({ name, event });
    return emit.call(this, name, event);
  } as typeof Emitter.prototype.emit;
});

// Every token the testing kit issues is a secret too.
patchOnce(TokenRegistry.prototype, () => {
  const issue = TokenRegistry.prototype.issue;
  TokenRegistry.prototype.issue = function (this: TokenRegistry, ...args: Parameters<typeof issue>) {
    const token = issue.apply(this, args);
    current().secrets.add(token.value);
    return token;
  };
});

// Every console line.
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = new Map(consoleMethods.map((method) => [method, console[method]]));
beforeAll(() => {
  for (const method of consoleMethods) {
    const original = originals.get(method) as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      sweep.collected.push(args);
      original.apply(console, args);
    };
  }
});

afterAll(() => {
  for (const method of consoleMethods) console[method] = originals.get(method) as (...args: unknown[]) => void;
  const { collected, secrets } = sweep;
  const rendered = collected
    .map((item) => `${safe(() => String(item))}\n${safe(() => JSON.stringify(item))}\n${safe(() => inspect(item, { depth: 8 }))}`)
    .join('\n');
  const found = [...secrets].filter((secret) => secret.length >= 6 && rendered.includes(secret));
  expect(found, `secrets found in ${collected.length} collected errors, events and log lines`).toEqual([]);
  if (process.env.SECRET_SWEEP_REPORT === '1') console.log(`secret sweep: ${collected.length} items, ${secrets.size} secrets, 0 found`);
});

function safe(render: () => string | undefined): string {
  try {
    return render() ?? '';
  } catch {
    return '';
  }
}
