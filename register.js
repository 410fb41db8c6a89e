// `node --import spanlens/register app.js` (or `--import ./register.js` from a checkout).
// Worker threads inherit the flag but never start spanlens, so they load nothing.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  try {
    await import('./dist/src/preload/register-esm.js');
  } catch (error) {
    console.warn(`spanlens: not started (${String(error)}); has it been built? Run npm run build.`);
  }
}
