// Loaded by `--import spanlens/register`: registers import-in-the-middle's loader hook so that ES modules
// are instrumented too, then starts spanlens before the app's first import.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { preload, preloadState } from './preload.js';

const state = preloadState();
if (state !== undefined && !state.esmHookRegistered) {
  state.esmHookRegistered = true;
  try {
    if (state.started) {
      // A `--require` preload started spanlens first: its instrumentations exist already, so the hook
      // must intercept every module for their hooks to apply to ES modules too.
      register('import-in-the-middle/hook.mjs', import.meta.url);
    } else {
      // The hook intercepts only the modules the instrumentations ask for, not every import of the app.
      const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
      register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
      const handle = preload();
      await waitForAllMessagesAcknowledged();
      // An ES module app starts after this: let its first statements get their final fingerprints.
      await handle?.ready;
    }
  } catch (error) {
    console.warn(`spanlens: could not register the ESM loader hook; ES modules will not be instrumented: ${String(error)}`);
    preload();
  }
}
