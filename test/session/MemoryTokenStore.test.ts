import { MemoryTokenStore } from '../../src/index.js';
import { describeStoreContract } from '../support/store-contract.js';

describeStoreContract('MemoryTokenStore', async () => ({ store: new MemoryTokenStore(), cleanup: () => {} }));
