// Loaded by `--require spanlens/register`: CommonJS-only start-up, no loader hook (and no top-level await,
// which `require` of an ES module forbids).
import { createRequire } from 'node:module';
import { isSdkDisabled } from '../config/config.js';

// A disabled spanlens loads nothing more: the SDK is only required (synchronously) when it will start.
if (!isSdkDisabled()) {
  const require = createRequire(import.meta.url);
  (require('./preload.js') as typeof import('./preload.js')).preload();
}
