export type { RedisClientLike, RedisSubscriberLike } from './client.js';
export { fromIoredis, type IoredisLike } from './ioredis.js';
export type { RedisTokenStoreOptions } from './options.js';
export { RedisTokenStore } from './RedisTokenStore.js';
