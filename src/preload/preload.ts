import { preloadState } from './preload-state.js';
import { followProcessEnd } from './process-end.js';
import { type SpanlensHandle, start } from '../start/start.js';

/** Starts spanlens for a preloaded app and flushes it when the process ends. Never throws. */
export function preload(): SpanlensHandle | undefined {
  const state = preloadState();
  if (state === undefined || state.started) return undefined;
  state.started = true;
  try {
    const handle = start();
    // A spanlens that did not start (OTEL_SDK_DISABLED) has nothing to flush and leaves signals alone.
    if (handle.requestStatistics !== undefined) followProcessEnd(handle);
    return handle;
  } catch (error) {
    // Last line of defence: the app must start even if spanlens cannot.
    console.warn(`spanlens: preload failed; the app runs without it: ${String(error)}`);
    return undefined;
  }
}
