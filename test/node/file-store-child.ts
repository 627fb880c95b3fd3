// A child process for FileTokenStore.processes.test.ts: `node --import tsx file-store-child.ts <command>
// <json args>`. It prints one line per step (never a token) and, where the test needs every child to
// start at once, waits for a `go` line on stdin. C2M_FILE_STORE_MODULE points it at another
// FileTokenStore (the old one, to show the lost-update test fails on it).
import { appendFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { MUTEX_STALE_MS } from '../../src/node/FileTokenStore.js';
import type { FileTokenStore as Store } from '../../src/node/index.js';
import { acquireLock } from '../../src/node/lock-file.js';

interface Args {
  path: string;
  key?: string;
  prefix?: string;
  count?: number;
  ttlMs?: number;
  log?: string;
  expected?: string;
  next?: string;
}

const [command = '', json = '{}'] = process.argv.slice(2);
const args = JSON.parse(json) as Args;
const { FileTokenStore } = (await import(process.env.C2M_FILE_STORE_MODULE ?? '../../src/node/index.js')) as {
  FileTokenStore: typeof Store;
};
const store = new FileTokenStore(args.path);
const key = args.key ?? 'k';
const record = (revision: string) => ({ version: 1 as const, revision, longToken: `lt_child_${revision}`, expiresAtMs: 4_102_444_800_000 });

const say = (line: string) => process.stdout.write(`${line}\n`);
const lines = createInterface({ input: process.stdin });
const go = () =>
  new Promise<void>((resolve) => {
    say('ready');
    lines.once('line', () => resolve());
  });
// Keeps the process alive while it holds something, until the parent kills it.
const forever = () => new Promise<never>(() => setInterval(() => {}, 60_000));

switch (command) {
  case 'write': {
    await go();
    for (let index = 0; index < (args.count ?? 0); index += 1) await store.set(`${args.prefix}${index}`, record(`${args.prefix}${index}`));
    break;
  }
  case 'cas': {
    await go();
    const swapped = await store.compareAndSet(key, record(args.expected ?? ''), record(args.next ?? ''));
    say(`cas ${swapped}`);
    break;
  }
  case 'lease': {
    await go();
    for (let index = 0; index < (args.count ?? 0); index += 1) {
      const mark = `${args.prefix}.${index}`;
      await store.lease(key, args.ttlMs ?? 5_000, async () => {
        await appendFile(args.log ?? '', `start ${mark}\n`);
        await delay(2);
        await appendFile(args.log ?? '', `end ${mark}\n`);
      });
    }
    break;
  }
  case 'hold-lease': {
    await store.lease(key, args.ttlMs ?? 1_000, async () => {
      say('holding');
      await forever();
    });
    break;
  }
  case 'hold-mutex': {
    await acquireLock(`${args.path}.lock`, { name: 'child', staleMs: MUTEX_STALE_MS, retryMs: [5, 40] });
    say('holding');
    await forever();
    break;
  }
  case 'take-lease': {
    await store.lease(key, args.ttlMs ?? 1_000, async () => say(`acquired ${Date.now()}`), { onWait: () => say('waiting') });
    break;
  }
  case 'set-one': {
    say('started');
    await store.set(key, record('after-kill'));
    say(`written ${Date.now()}`);
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
say('done');
lines.close();
