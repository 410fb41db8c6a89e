import { isMainThread } from 'node:worker_threads';

const PRELOAD_STATE = Symbol.for('spanlens.preload');

/** What the preloads of this process have done so far (shared by every copy of spanlens loaded). */
interface PreloadState {
  started: boolean;
  esmHookRegistered: boolean;
}

/** This process' preload state; undefined in worker threads, where spanlens never starts. */
export function preloadState(): PreloadState | undefined {
  if (!isMainThread) return undefined;
  const global = globalThis as typeof globalThis & { [PRELOAD_STATE]?: PreloadState };
  global[PRELOAD_STATE] ??= { started: false, esmHookRegistered: false };
  return global[PRELOAD_STATE];
}
