import { DiagConsoleLogger, diag } from '@opentelemetry/api';
import { isMainThread } from 'node:worker_threads';
import { readLogLevel } from '../config/config.js';
import { type SpanlensHandle, start } from '../start/start.js';

/** How long a signal waits for spans and metrics to flush before the process goes on ending. */
export const SIGNAL_FLUSH_TIMEOUT_MS = 3000;

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

/** Starts spanlens for a preloaded app and flushes it when the process ends. Never throws. */
export function preload(): SpanlensHandle | undefined {
  const state = preloadState();
  if (state === undefined || state.started) return undefined;
  state.started = true;
  try {
    const { level, invalid } = readLogLevel();
    diag.setLogger(new DiagConsoleLogger(), { logLevel: level, suppressOverrideMessage: true });
    if (invalid !== undefined) diag.warn(`spanlens: OTEL_LOG_LEVEL=${JSON.stringify(invalid)} is not valid; using the default warn`);
    const handle = start();
    flushWhenProcessEnds(handle);
    return handle;
  } catch (error) {
    // Last line of defence: the app must start even if spanlens cannot.
    console.warn(`spanlens: preload failed; the app runs without it: ${String(error)}`);
    return undefined;
  }
}

/**
 * Flushes on SIGTERM/SIGINT and when the event loop empties, without changing how the process ends:
 * when the app has no handler of its own for the signal, the signal is raised again after the flush so
 * the process dies of it as it would have; when the app has one, that handler decides.
 */
function flushWhenProcessEnds(handle: SpanlensHandle): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const appHandlesSignal = process.listenerCount(signal) > 1;
      // A referenced timer keeps the process alive until the flush is over or has taken too long.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS);
      });
      void Promise.race([handle.shutdown(), timeout]).finally(() => {
        clearTimeout(timer);
        if (appHandlesSignal) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => {
    void handle.shutdown();
  });
}
