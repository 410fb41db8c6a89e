// The load benchmark's cache entries in Redis: each mode caches under its own keyv namespace, emptied
// at each start so that every mode begins cold and fills its cache with its own requests.
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';

export async function clearCacheNamespaces(redisUrl, namespaces) {
  for (const namespace of namespaces) {
    const cache = new Keyv({ store: new KeyvRedis(redisUrl), namespace, throwOnErrors: true });
    try {
      await cache.clear();
    } finally {
      await cache.disconnect();
    }
  }
}
