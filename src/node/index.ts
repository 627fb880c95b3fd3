export { CorruptTokenFileError, FileTokenStore, type FileTokenStoreOptions } from './FileTokenStore.js';
