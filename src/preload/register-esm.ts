// Loaded by `--import spanlens/register`: registers import-in-the-middle's loader hook so that ES modules
// are instrumented too, then starts spanlens before the app's first import.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { preload, shouldPreload } from './preload.js';

if (shouldPreload()) {
  try {
    // The hook intercepts only modules an instrumentation asked for, not every import of the app.
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    preload();
    await waitForAllMessagesAcknowledged();
  } catch (error) {
    console.warn(`spanlens: could not register the ESM loader hook; ES modules will not be instrumented: ${String(error)}`);
    preload();
  }
}
