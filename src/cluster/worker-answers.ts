import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { warnOnce } from '../diag-once.js';
import type { StatisticsState } from '../stats/statistics-state.js';
import {
  type CollectRequestMessage,
  type CollectResponseMessage,
  PROTOCOL_VERSION,
  type WorkerReadyMessage,
  isCollectRequest,
} from './messages.js';

/** What a worker hands its primary. */
export interface WorkerTotals {
  /** The worker's metrics, in the form `toWire` gives; undefined when the Prometheus exporter is off. */
  metrics: (() => Promise<ScopeMetrics[]>) | undefined;
  statistics: () => StatisticsState;
}

/**
 * In a `node:cluster` worker whose primary runs spanlens: says so to the primary, then answers each of
 * its collection requests with this worker's totals. Requests are rare (one per scrape of the
 * primary), so a worker does nothing per request of its own. Returns a function that stops answering.
 */
export function answerPrimary(totals: WorkerTotals): () => void {
  if (typeof process.send !== 'function') return () => undefined;
  const onMessage = (message: unknown): void => {
    if (isCollectRequest(message)) void answer(message, totals);
  };
  process.on('message', onMessage);
  const ready: WorkerReadyMessage = { type: 'spanlens:worker-ready', version: PROTOCOL_VERSION };
  sendToPrimary(ready);
  return () => {
    process.off('message', onMessage);
  };
}

async function answer(request: CollectRequestMessage, totals: WorkerTotals): Promise<void> {
  const response: CollectResponseMessage = {
    type: 'spanlens:collected',
    version: PROTOCOL_VERSION,
    requestId: request.requestId,
    kind: request.kind,
  };
  try {
    if (request.version !== PROTOCOL_VERSION) {
      response.error = `the primary speaks protocol ${String(request.version)}, this worker ${PROTOCOL_VERSION}`;
    } else if (request.kind === 'stats') {
      response.data = totals.statistics();
    } else if (totals.metrics === undefined) {
      response.error = 'this worker has no Prometheus exporter';
    } else {
      response.data = await totals.metrics();
    }
  } catch (error) {
    response.error = error instanceof Error ? error.message : String(error);
  }
  sendToPrimary(response);
}

/** Sends without ever throwing: a closed channel (the primary is gone) is nobody's error. */
function sendToPrimary(message: WorkerReadyMessage | CollectResponseMessage): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  try {
    process.send(message, undefined, {}, (error: Error | null) => {
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_IPC_CHANNEL_CLOSED') {
        warnOnce('cluster.worker-send', 'could not answer the cluster primary', error);
      }
    });
  } catch (error) {
    warnOnce('cluster.worker-send', 'could not answer the cluster primary', error);
  }
}
