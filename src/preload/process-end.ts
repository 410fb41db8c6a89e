import type { SpanlensHandle } from '../start/start.js';

/** How long a signal nobody else handles waits for spans and metrics to flush before the process dies of it. */
export const SIGNAL_FLUSH_TIMEOUT_MS = 3000;

/**
 * While the app drains after a signal, spanlens flushes this often: an app that ends with
 * `process.exit()` gives no chance to send anything afterwards, so at most this much is lost.
 */
export const DRAIN_FLUSH_INTERVAL_MS = 1000;

/**
 * Follows the process to its end without changing how it ends:
 * - a SIGTERM/SIGINT that nobody else handles: flush and stop (for at most `SIGNAL_FLUSH_TIMEOUT_MS`),
 *   then raise the signal again so the process dies of it as it would have;
 * - a signal the app handles (a drain, as under Kubernetes): flush, keep recording and serving
 *   `/metrics` and `/stats`, and flush every `DRAIN_FLUSH_INTERVAL_MS` until the process ends;
 * - the event loop empties (`beforeExit`): flush and stop, which may take as long as the exporters need.
 * At `exit` (process.exit(), or the end of the loop after `beforeExit`) only synchronous work can run,
 * and no exporter sends synchronously: what ended since the last flush is lost there.
 */
export function followProcessEnd(handle: SpanlensHandle): void {
  let draining: NodeJS.Timeout | undefined;
  const drain = (): void => {
    void handle.forceFlush();
    // The timer must not keep a process alive that would otherwise end.
    draining ??= setInterval(() => void handle.forceFlush(), DRAIN_FLUSH_INTERVAL_MS).unref();
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    let stopping = false;
    const raiseAgain = (): void => {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    function onSignal(): void {
      if (appListenerCount(signal, onSignal) > 0) {
        drain();
        return;
      }
      // A second signal while stopping does not wait for the flush.
      if (stopping) return raiseAgain();
      stopping = true;
      // A referenced timer keeps the process alive until the flush is over or has taken too long.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS);
      });
      void Promise.race([handle.shutdown(), timeout]).finally(() => {
        clearTimeout(timer);
        if (process.listeners(signal).includes(onSignal)) raiseAgain();
      });
    }
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => {
    clearInterval(draining);
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
