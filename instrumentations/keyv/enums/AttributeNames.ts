/** The span attributes of a keyv operation (see CONTRACT.md, "Cache spans"). */
export enum AttributeNames {
  CACHE_OPERATION = 'spanlens.cache.operation',
  CACHE_HIT = 'spanlens.cache.hit',
  CACHE_HITS = 'spanlens.cache.hits',
  CACHE_MISSES = 'spanlens.cache.misses',
  CACHE_NAMESPACE = 'spanlens.cache.namespace',
  CACHE_STORE = 'spanlens.cache.store',
  CACHE_KEY_PATTERN = 'spanlens.cache.key_pattern',
  /** `primary` or `secondary`: an operation of one store of a layered `cacheable`, counted by the operation above it. */
  CACHE_LAYER = 'spanlens.cache.layer',
}
