// `node --require spanlens/register app.js`: CommonJS start-up, without the ESM loader hook.
// Worker threads inherit the flag but never start spanlens, so they load nothing.
if (require('node:worker_threads').isMainThread) {
  try {
    require('./dist/src/preload/register-cjs.js');
  } catch (error) {
    console.warn(`spanlens: not started (${String(error)}); has it been built? Run npm run build.`);
  }
}
