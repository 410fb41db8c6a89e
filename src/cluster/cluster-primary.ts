import type { Cluster, Worker } from 'node:cluster';
import { warnOnce } from '../diag-once.js';
import type { MissingWorker, WorkersStatistics } from '../stats/statistics.js';
import {
  type CollectRequestMessage,
  type CollectResponseMessage,
  type CollectionKind,
  PROTOCOL_VERSION,
  isCollectResponse,
  isWorkerReady,
} from './messages.js';

/**
 * How long the primary waits for its workers' answers before serving without the missing ones: well
 * under Prometheus' default scrape timeout (10 s), long enough for a worker busy with a request burst.
 */
export const WORKER_ANSWER_TIMEOUT_MS = 2000;

/** What one collection gathered: the totals of each live worker, and how complete they are. */
export interface WorkerCollection {
  /** One entry per live worker that has ever answered: this time's answer, or its last one (stale). */
  data: unknown[];
  workers: WorkersStatistics;
}

/** What the primary does with an exited worker's last answer, so that totals never go down. */
export type Retire = (kind: CollectionKind, data: unknown) => void;

interface Asked {
  worker: Worker;
  /** Set when the worker cannot answer this request; undefined while waiting or once answered. */
  failure: MissingWorker['reason'] | undefined;
  answered: boolean;
}

interface PendingRequest {
  kind: CollectionKind;
  asked: Map<number, Asked>;
  timer: NodeJS.Timeout;
  finish: () => void;
}

interface LastAnswer {
  requestId: number;
  data: unknown;
}

/**
 * The primary's side of the cluster protocol, after prom-client's AggregatorRegistry: each collection
 * sends every spanlens worker a request with a fresh id and waits for the answers with that id, but
 * never longer than the timeout, and never for a worker that exits meanwhile. Unlike prom-client, a
 * collection never fails as a whole: missing workers are reported, and their last answer stands in.
 *
 * Bounded: one pending request per kind (concurrent scrapes share it), one last answer per live worker
 * and kind; an exited worker's last answer is handed to `retire` and forgotten.
 */
export class ClusterPrimary {
  private readonly workers = new Map<number, Worker>();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly inFlight = new Map<CollectionKind, Promise<WorkerCollection>>();
  private readonly lastAnswers: Record<CollectionKind, Map<number, LastAnswer>> = { metrics: new Map(), stats: new Map() };
  private exited = 0;
  private nextRequestId = 1;
  private detach: (() => void) | undefined;

  constructor(
    private readonly retire: Retire,
    private readonly timeoutMs = WORKER_ANSWER_TIMEOUT_MS,
  ) {}

  /** Starts listening to the cluster's workers: they announce themselves once spanlens runs in them. */
  attach(cluster: Cluster): void {
    // These run inside the app's cluster events: nothing may escape them.
    const onMessage = (worker: Worker, message: unknown): void => {
      try {
        if (isWorkerReady(message)) this.workers.set(worker.id, worker);
        else if (isCollectResponse(message)) this.received(worker, message);
      } catch (error) {
        warnOnce('cluster.message', 'could not handle a message of a cluster worker', error);
      }
    };
    const onExit = (worker: Worker): void => {
      try {
        this.workerExited(worker.id);
      } catch (error) {
        warnOnce('cluster.exit', 'could not handle the exit of a cluster worker', error);
      }
    };
    cluster.on('message', onMessage);
    cluster.on('exit', onExit);
    this.detach = () => {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    };
  }

  /** Whether a spanlens worker ever announced itself: from then on the primary serves their totals. */
  get hasWorkers(): boolean {
    return this.workers.size > 0 || this.exited > 0;
  }

  /** Asks every live worker for its totals of `kind`; concurrent calls share one round of requests. */
  collect(kind: CollectionKind): Promise<WorkerCollection> {
    let collection = this.inFlight.get(kind);
    if (collection === undefined) {
      collection = this.ask(kind).finally(() => this.inFlight.delete(kind));
      this.inFlight.set(kind, collection);
    }
    return collection;
  }

  /** Stops waiting: pending collections finish with what they have. */
  stop(): void {
    this.detach?.();
    for (const request of [...this.pending.values()]) request.finish();
  }

  private ask(kind: CollectionKind): Promise<WorkerCollection> {
    const requestId = this.nextRequestId;
    this.nextRequestId += 1;
    return new Promise((resolve) => {
      const asked = new Map<number, Asked>();
      for (const [id, worker] of this.workers) asked.set(id, { worker, failure: undefined, answered: false });
      const finish = (): void => {
        if (!this.pending.has(requestId)) return;
        clearTimeout(request.timer);
        this.pending.delete(requestId);
        resolve(this.collectionOf(kind, asked));
      };
      const timer = setTimeout(finish, this.timeoutMs);
      // Waiting for workers must never keep the primary alive.
      timer.unref();
      const request: PendingRequest = { kind, asked, timer, finish };
      this.pending.set(requestId, request);

      const message: CollectRequestMessage = { type: 'spanlens:collect', version: PROTOCOL_VERSION, requestId, kind };
      for (const entry of asked.values()) this.send(entry, message, request);
      this.finishIfComplete(request);
    });
  }

  private send(entry: Asked, message: CollectRequestMessage, request: PendingRequest): void {
    const unreachable = (): void => {
      entry.failure ??= 'unreachable';
      this.finishIfComplete(request);
    };
    if (!entry.worker.isConnected()) {
      entry.failure = 'unreachable';
      return;
    }
    try {
      entry.worker.send(message, undefined, (error: Error | null) => {
        if (error) unreachable();
      });
    } catch {
      entry.failure = 'unreachable';
    }
  }

  private received(worker: Worker, message: CollectResponseMessage): void {
    const request = this.pending.get(message.requestId);
    const entry = request?.kind === message.kind ? request.asked.get(worker.id) : undefined;
    const failed = message.error !== undefined || message.version !== PROTOCOL_VERSION || message.data === undefined;
    if (failed) {
      warnOnce('cluster.worker-failed', `a cluster worker (pid ${worker.process.pid}) could not send its totals`, message.error);
      if (entry !== undefined) entry.failure ??= 'failed';
    } else if (this.workers.has(worker.id)) {
      // A late answer (its request already served) is still this worker's newest: keep it for next time.
      const answers = this.lastAnswers[message.kind];
      const known = answers.get(worker.id);
      if (known === undefined || known.requestId < message.requestId) answers.set(worker.id, { requestId: message.requestId, data: message.data });
      if (entry !== undefined) entry.answered = true;
    }
    if (request !== undefined) this.finishIfComplete(request);
  }

  private workerExited(id: number): void {
    if (!this.workers.delete(id)) return;
    this.exited += 1;
    for (const kind of ['metrics', 'stats'] as const) {
      const last = this.lastAnswers[kind].get(id);
      this.lastAnswers[kind].delete(id);
      if (last === undefined) continue;
      try {
        this.retire(kind, last.data);
      } catch (error) {
        warnOnce(`cluster.retire.${kind}`, "could not keep an exited cluster worker's last totals", error);
      }
    }
    // Nobody waits for a worker that is gone: its retired totals are counted instead.
    for (const request of [...this.pending.values()]) this.finishIfComplete(request);
  }

  private finishIfComplete(request: PendingRequest): void {
    for (const [id, entry] of request.asked) {
      if (this.workers.has(id) && !entry.answered && entry.failure === undefined) return;
    }
    request.finish();
  }

  private collectionOf(kind: CollectionKind, asked: Map<number, Asked>): WorkerCollection {
    const data: unknown[] = [];
    const missing: MissingWorker[] = [];
    let live = 0;
    let answered = 0;
    // Workers that announced themselves after the requests went out were not asked: next time.
    for (const [id, entry] of asked) {
      if (!this.workers.has(id)) continue;
      live += 1;
      const last = this.lastAnswers[kind].get(id);
      if (entry.answered) answered += 1;
      else missing.push({ pid: entry.worker.process.pid ?? 0, reason: entry.failure ?? 'timeout', stale: last !== undefined });
      if (last !== undefined) data.push(last.data);
    }
    return { data, workers: { live, answered, missing, exited: this.exited } };
  }
}
