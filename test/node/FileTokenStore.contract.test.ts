import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '../../src/node/index.js';
import { describeStoreContract } from '../support/store-contract.js';

// A fresh folder per store; the peers are other instances over the same file, as other processes hold.
async function fileStores(options: { encryptionKey?: Uint8Array } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'c2m-auth-contract-'));
  const path = join(dir, 'tokens.json');
  return {
    store: new FileTokenStore({ path, ...options }),
    peers: [new FileTokenStore({ path, ...options }), new FileTokenStore({ path, ...options })],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

describeStoreContract('FileTokenStore', () => fileStores());

const encryptionKey = randomBytes(32);
describeStoreContract('FileTokenStore with an encryptionKey', () => fileStores({ encryptionKey }));
