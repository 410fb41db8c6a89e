// `node --import spanlens/register app.js` (or `--import ./register.js` from a checkout).
try {
  await import('./dist/src/preload/register-esm.js');
} catch (error) {
  console.warn(`spanlens: not started (${String(error)}); has it been built? Run npm run build.`);
}
