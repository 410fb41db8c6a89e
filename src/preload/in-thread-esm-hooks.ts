// import-in-the-middle's loader run on the application thread through `module.registerHooks`, instead of
// on the loader thread that `module.register` starts: that thread is a second V8 isolate and costs about
// 20 MiB of resident memory for the life of the process.
import * as nodeModule from 'node:module';
import type { RegisterHooksOptions } from 'import-in-the-middle/register-hooks.mjs';

/**
 * Whether this Node can run import-in-the-middle's loader in-thread. `module.registerHooks` exists since
 * 22.15 / 23.5, but before nodejs/node#59929 (22.22.3, 24.11.1, 25.1.0, 26.0.0) its load hook rejects the
 * empty CommonJS source the loader returns; import-in-the-middle's own `supportsSyncHooks` knows those
 * versions. Its module imports nothing, so asking costs nothing when the answer is no.
 */
export async function inThreadHooksSupported(): Promise<boolean> {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return false;
  const { supportsSyncHooks } = await import('import-in-the-middle/supports-sync-hooks.mjs');
  return supportsSyncHooks();
}

/** Intercepts every ES module the app imports (instrumentations exist already and hook by name). */
export async function registerInThreadHooksForEveryModule(): Promise<void> {
  const { register } = await import('import-in-the-middle/register-hooks.mjs');
  register();
}

/**
 * Intercepts only the modules that instrumentations hook, now or later. import-in-the-middle's `Hook`
 * reports the module names it is given on the add-hook channel, and the loader adds them to its include
 * list as they arrive. The loader's end of the channel stays on this thread: the list grows as on the
 * loader thread, so an instrumentation created later (lazy Fastify) still gets its modules intercepted.
 * Returns the wait for the loader to have taken every name sent so far.
 */
export async function registerInThreadHooksForHookedModules(): Promise<() => Promise<void>> {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { register } = await import('import-in-the-middle/register-hooks.mjs');
  const { addHookMessagePort, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  // `register` hands its options to the loader's shared option handling, which listens on this port; the
  // declared options type leaves the port out because `module.register` is the documented way to pass it.
  const options = { include: [], addHookMessagePort } as RegisterHooksOptions;
  register(options);
  return waitForAllMessagesAcknowledged;
}
