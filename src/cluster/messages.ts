/**
 * The messages between a `node:cluster` primary and its workers, over the IPC channel that
 * `node:cluster` opens (`worker.send` / `process.send`). Like prom-client's cluster aggregator, every
 * request carries an id that its answer repeats, so concurrent and late answers are told apart.
 *
 * They travel on the documented `message` event, so an app's own `process.on('message')` listeners in
 * workers see them too: each has a `type` starting with `spanlens:`, for such listeners to ignore.
 */

/** Bumped when a message changes shape: a worker of another version is reported, never misread. */
export const PROTOCOL_VERSION = 1;

export type CollectionKind = 'metrics' | 'stats';

/** Worker → primary, once at start: this worker runs spanlens and answers collection requests. */
export interface WorkerReadyMessage {
  type: 'spanlens:worker-ready';
  version: number;
}

/** Primary → worker: send me your metrics or statistics. */
export interface CollectRequestMessage {
  type: 'spanlens:collect';
  version: number;
  requestId: number;
  kind: CollectionKind;
}

/** Worker → primary: the answer to one request, or why there is none. */
export interface CollectResponseMessage {
  type: 'spanlens:collected';
  version: number;
  requestId: number;
  kind: CollectionKind;
  data?: unknown;
  error?: string;
}

export function isWorkerReady(message: unknown): message is WorkerReadyMessage {
  return typeOf(message) === 'spanlens:worker-ready';
}

export function isCollectRequest(message: unknown): message is CollectRequestMessage {
  if (typeOf(message) !== 'spanlens:collect') return false;
  const { requestId, kind } = message as Partial<CollectRequestMessage>;
  return typeof requestId === 'number' && (kind === 'metrics' || kind === 'stats');
}

export function isCollectResponse(message: unknown): message is CollectResponseMessage {
  if (typeOf(message) !== 'spanlens:collected') return false;
  const { requestId } = message as Partial<CollectResponseMessage>;
  return typeof requestId === 'number';
}

function typeOf(message: unknown): unknown {
  return typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
}
