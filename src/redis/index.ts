export {
  fromIoredis,
  type IoredisLike,
  type RedisClientLike,
  type RedisSubscriberLike,
  RedisTokenStore,
  type RedisTokenStoreOptions,
} from './RedisTokenStore.js';
