import { BrowserTokenStore } from '../../src/browser/BrowserTokenStore.js';
import { describeStoreContract } from '../support/store-contract.js';
import { TestLockManager } from '../support/web-locks.js';

// Node has BroadcastChannel but no Web Locks: the "tabs" share one TestLockManager, each its own
// memory copy of the records, kept in step over the channel, as tabs with sessionStorage are.
let run = 0;
describeStoreContract('BrowserTokenStore (storage: memory)', async () => {
  const locks = new TestLockManager();
  const name = `contract-${++run}`;
  const tab = () => new BrowserTokenStore({ storage: 'memory', name, locks });
  const stores = [tab(), tab(), tab()];
  return {
    store: stores[0] as BrowserTokenStore,
    peers: stores.slice(1),
    tellsSignOut: true,
    cleanup: () => {
      for (const store of stores) store.close();
    },
  };
});
