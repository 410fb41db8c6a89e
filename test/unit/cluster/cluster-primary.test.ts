import { EventEmitter } from 'node:events';
import type { Cluster, Worker } from 'node:cluster';
import { ClusterPrimary } from '../../../src/cluster/cluster-primary';
import { type CollectRequestMessage, PROTOCOL_VERSION } from '../../../src/cluster/messages';

type Behaviour = 'answer' | 'silent' | 'fail' | 'unreachable';

/**
 * Stands in for `node:cluster` and its workers on the primary's side: a worker answers each request
 * with its number of requests so far, stays silent, answers with an error, or cannot be sent to.
 * The real thing runs in test/e2e/cluster.test.ts; this reaches the orderings that one cannot.
 */
class FakeCluster extends EventEmitter {
  readonly requests: CollectRequestMessage[] = [];
  private readonly workers = new Map<number, { worker: Worker; behaviour: Behaviour; served: number }>();
  private readonly held: Array<() => void> = [];

  addWorker(id: number, behaviour: Behaviour, served = 0): void {
    const worker = {
      id,
      process: { pid: 1000 + id },
      isConnected: () => true,
      send: (message: CollectRequestMessage, _handle: unknown, callback: (error: Error | null) => void) => {
        this.requests.push(message);
        const entry = this.workers.get(id)!;
        if (entry.behaviour === 'unreachable') return setImmediate(() => callback(new Error('channel closed')));
        setImmediate(() => callback(null));
        const respond = (): void => {
          const answer = entry.behaviour === 'fail' ? { error: 'boom' } : { data: { served: entry.served } };
          this.emit('message', worker, { type: 'spanlens:collected', version: PROTOCOL_VERSION, requestId: message.requestId, kind: message.kind, ...answer });
        };
        if (entry.behaviour === 'silent') this.held.push(respond);
        else setImmediate(respond);
      },
    } as unknown as Worker;
    this.workers.set(id, { worker, behaviour, served });
    this.emit('message', worker, { type: 'spanlens:worker-ready', version: PROTOCOL_VERSION });
  }

  set(id: number, changes: { behaviour?: Behaviour; served?: number }): void {
    Object.assign(this.workers.get(id)!, changes);
  }

  exit(id: number): void {
    this.emit('exit', this.workers.get(id)!.worker);
    this.workers.delete(id);
  }

  /** Silent workers answer now, late. */
  releaseHeldAnswers(): void {
    for (const respond of this.held.splice(0)) respond();
  }
}

function setUp(timeoutMs = 200): { cluster: FakeCluster; primary: ClusterPrimary; retired: unknown[] } {
  const cluster = new FakeCluster();
  const retired: unknown[] = [];
  const primary = new ClusterPrimary((_kind, data) => retired.push(data), timeoutMs);
  primary.attach(cluster as unknown as Cluster);
  return { cluster, primary, retired };
}

describe('ClusterPrimary', () => {
  it('serves its own totals until a spanlens worker announces itself', () => {
    const { cluster, primary } = setUp();
    expect(primary.hasWorkers).toBe(false);
    cluster.addWorker(1, 'answer');
    expect(primary.hasWorkers).toBe(true);
  });

  it('collects one answer per live worker', async () => {
    const { cluster, primary } = setUp();
    cluster.addWorker(1, 'answer', 5);
    cluster.addWorker(2, 'answer', 7);
    const collection = await primary.collect('stats');
    expect(collection.data).toEqual([{ served: 5 }, { served: 7 }]);
    expect(collection.workers).toEqual({ live: 2, answered: 2, missing: [], exited: 0 });
  });

  it('shares one round of requests between concurrent scrapes', async () => {
    const { cluster, primary } = setUp();
    cluster.addWorker(1, 'answer');
    const [first, second] = await Promise.all([primary.collect('metrics'), primary.collect('metrics')]);
    expect(first).toBe(second);
    expect(cluster.requests).toHaveLength(1);
  });

  it('answers without a silent worker after the timeout, and uses its late answer next time', async () => {
    const { cluster, primary } = setUp(50);
    cluster.addWorker(1, 'answer', 5);
    cluster.addWorker(2, 'silent', 7);
    const first = await primary.collect('stats');
    expect(first.data).toEqual([{ served: 5 }]);
    expect(first.workers.missing).toEqual([{ pid: 1002, reason: 'timeout', stale: false }]);

    cluster.releaseHeldAnswers();
    await new Promise((resolve) => setImmediate(resolve));
    const second = await primary.collect('stats');
    expect(second.data).toEqual([{ served: 5 }, { served: 7 }]);
    expect(second.workers).toMatchObject({ answered: 1, missing: [{ pid: 1002, reason: 'timeout', stale: true }] });
  });

  it('reports a worker that answers with an error or cannot be reached, using its last good answer', async () => {
    const { cluster, primary } = setUp();
    cluster.addWorker(1, 'answer', 3);
    cluster.addWorker(2, 'answer', 4);
    await primary.collect('stats');
    cluster.set(1, { behaviour: 'fail', served: 30 });
    cluster.set(2, { behaviour: 'unreachable', served: 40 });
    const collection = await primary.collect('stats');
    expect(collection.data).toEqual([{ served: 3 }, { served: 4 }]);
    expect(collection.workers).toEqual({
      live: 2,
      answered: 0,
      missing: [
        { pid: 1001, reason: 'failed', stale: true },
        { pid: 1002, reason: 'unreachable', stale: true },
      ],
      exited: 0,
    });
  });

  it('stops waiting for a worker that exits, and retires its last answer so totals never go down', async () => {
    const { cluster, primary, retired } = setUp(60_000);
    cluster.addWorker(1, 'answer', 5);
    cluster.addWorker(2, 'answer', 7);
    await primary.collect('stats');
    cluster.set(2, { behaviour: 'silent' });
    const pending = primary.collect('stats');
    cluster.exit(2);
    const collection = await pending;
    expect(retired).toEqual([{ served: 7 }]);
    expect(collection.data).toEqual([{ served: 5 }]);
    expect(collection.workers).toEqual({ live: 1, answered: 1, missing: [], exited: 1 });
    expect(primary.hasWorkers).toBe(true);
  });

  it('answers at once when every worker has exited', async () => {
    const { cluster, primary } = setUp(60_000);
    cluster.addWorker(1, 'answer');
    cluster.exit(1);
    expect((await primary.collect('metrics')).workers).toEqual({ live: 0, answered: 0, missing: [], exited: 1 });
  });
});
