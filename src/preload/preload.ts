import { preloadState } from './preload-state.js';
import { type SpanlensHandle, start } from '../start/start.js';

/** How long a signal waits for spans and metrics to flush before the process goes on ending. */
export const SIGNAL_FLUSH_TIMEOUT_MS = 3000;

/** Starts spanlens for a preloaded app and flushes it when the process ends. Never throws. */
export function preload(): SpanlensHandle | undefined {
  const state = preloadState();
  if (state === undefined || state.started) return undefined;
  state.started = true;
  try {
    const handle = start();
    // A spanlens that did not start (OTEL_SDK_DISABLED) has nothing to flush and leaves signals alone.
    if (handle.requestStatistics !== undefined) flushWhenProcessEnds(handle);
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
 * the process dies of it as it would have; when the app has one, that handler decides. A second signal
 * during the flush does not wait for it.
 */
function flushWhenProcessEnds(handle: SpanlensHandle): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    let flushing = false;
    const raiseAgain = (): void => {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    function onSignal(): void {
      const appHandlesSignal = appListenerCount(signal, onSignal) > 0;
      if (flushing) {
        if (!appHandlesSignal) raiseAgain();
        return;
      }
      flushing = true;
      // A referenced timer keeps the process alive until the flush is over or has taken too long.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS);
      });
      void Promise.race([handle.shutdown(), timeout]).finally(() => {
        clearTimeout(timer);
        if (!appHandlesSignal && process.listeners(signal).includes(onSignal)) raiseAgain();
      });
    }
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => {
    void handle.shutdown();
  });
}

/**
 * The app's own listeners for a signal: all but spanlens' and those of `signal-exit` (a common
 * dependency, versions 3 and 4 side by side), which only acts when its listeners are the only ones and
 * then ends the process itself.
 */
function appListenerCount(signal: NodeJS.Signals, own: (...args: unknown[]) => void): number {
  const others = process.listeners(signal).filter((listener) => listener !== own).length;
  return Math.max(0, others - signalExitListenerCount());
}

function signalExitListenerCount(): number {
  const countOf = (emitter: unknown): number => {
    const count = (emitter as { count?: unknown } | undefined)?.count;
    return typeof count === 'number' ? count : 0;
  };
  const version3 = (process as { __signal_exit_emitter__?: unknown }).__signal_exit_emitter__;
  const version4 = (globalThis as Record<symbol, unknown>)[Symbol.for('signal-exit emitter')];
  return countOf(version3) + countOf(version4);
}
