// Loaded by `--import spanlens/register`: registers import-in-the-middle's loader hook so that ES modules
// are instrumented too, then starts spanlens before the app's first import. Where the running Node can
// (see in-thread-esm-hooks.ts) the loader runs on the application thread; elsewhere on the loader thread
// that `module.register` starts.
import { register } from 'node:module';
import { isSdkDisabled } from '../config/config.js';
import {
  inThreadHooksSupported,
  registerInThreadHooksForEveryModule,
  registerInThreadHooksForHookedModules,
} from './in-thread-esm-hooks.js';
import { preloadState } from './preload-state.js';

const state = preloadState();
if (state !== undefined && !state.esmHookRegistered && !isSdkDisabled()) {
  state.esmHookRegistered = true;
  const inThread = await inThreadHooksSupported().catch(() => false);
  if (state.started) {
    // A `--require` preload started spanlens first: its instrumentations exist already, so the hook
    // must intercept every module for their hooks to apply to ES modules too.
    await registerLoaderHook(() =>
      inThread ? registerInThreadHooksForEveryModule() : register('import-in-the-middle/hook.mjs', import.meta.url),
    );
  } else {
    // The hook intercepts only the modules the instrumentations ask for, not every import of the app.
    let acknowledged: (() => Promise<void>) | undefined;
    await registerLoaderHook(async () => {
      if (inThread) {
        acknowledged = await registerInThreadHooksForHookedModules();
        return;
      }
      const { createAddHookMessageChannel } = await import('import-in-the-middle');
      const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
      register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
      acknowledged = waitForAllMessagesAcknowledged;
    });
    const { preload } = await import('./preload.js');
    const handle = preload();
    // Only a registered loader ever acknowledges the instrumentations' hooks; waiting otherwise would hang.
    if (acknowledged !== undefined) await acknowledged();
    // An ES module app starts after this, with the metrics port bound (or known to be taken).
    await handle?.ready;
  }
}

/** Registers the loader hook; a failure leaves ES modules uninstrumented and is said once. */
async function registerLoaderHook(registerHook: () => void | Promise<void>): Promise<void> {
  try {
    await registerHook();
  } catch (error) {
    console.warn(`spanlens: could not register the ESM loader hook; ES modules will not be instrumented: ${String(error)}`);
  }
}
