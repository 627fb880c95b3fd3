export { CorruptTokenFileError, FileTokenStore } from './FileTokenStore.js';
