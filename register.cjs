// `node --require spanlens/register app.js`: CommonJS start-up, without the ESM loader hook.
try {
  require('./dist/src/preload/register-cjs.js');
} catch (error) {
  console.warn(`spanlens: not started (${String(error)}); has it been built? Run npm run build.`);
}
