/** A fake cluster and clock for the `fleet top` view model and components: probes are scripted, time moves when told. */
import type { ClusterView, EndpointStatus, Page, PlanView, RegistryCounts, ShardView, SnapshotInfo, TransferResult, WatchBatch, WatchEvent, WatchOptions } from '../../../src/client/index.js';
import type { Clock } from '../../../src/ops/top/poller.js';
import type { TopSource } from '../../../src/ops/top/source.js';

/** Lets pending promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock whose timers fire only when `advance` passes them. */
export class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 1, 12, 0, 0);
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
    await flush();
  }
}

export function shard(id: string, over: Partial<ShardView> = {}): ShardView {
  return { id, address: `10.0.0.${id.slice(1)}:443`, region: 'eu', zone: 'eu-1a', state: 'active', capacity: 100, labels: {}, registeredAt: 0, lastHeartbeat: null, boundClusters: 40, ...over };
}

export const COUNTS: RegistryCounts = {
  appliedIndex: 100, clock: 0, shards: 2, clusters: 75, boundClusters: 72, unboundClusters: 3, domains: 0, quotas: 0, providers: 0, leases: 0, kvKeys: 0, kvRevision: 0, sessions: 0, plans: 1,
};

export const PLAN: PlanView = { planId: 'drain-s2', startedBy: 'ops', done: 12, total: 30, state: 'running', startedAt: 0, updatedAt: 0, updatedAtIndex: 90 };

/** A scripted cluster: `probes` is what the next statusAll answers; every call is recorded. */
export class FakeSource implements TopSource {
  probes: EndpointStatus[] = [];
  shards: ShardView[] = [shard('s1'), shard('s2', { state: 'draining', boundClusters: 32, region: 'us', zone: 'us-1b' })];
  plans: PlanView[] = [PLAN];
  stale: ClusterView[] = [{ name: 'c9', shard: 's1', generation: 1, boundAtIndex: 5, lastSeen: 0 }];
  /** When set, statusAll / registry reads hang until the returned promise is released. */
  hangStatus = false;
  hangRegistry = false;
  failRegistry: string | null = null;
  readonly calls = { statusAll: 0, transfer: [] as (string | undefined)[], snapshot: 0, listShards: 0 };
  inFlight = 0;
  maxInFlight = 0;
  #release: (() => void)[] = [];

  release(): void {
    for (const r of this.#release.splice(0)) r();
  }

  async statusAll(): Promise<EndpointStatus[]> {
    this.calls.statusAll++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hangStatus) await new Promise<void>((r) => this.#release.push(r));
      return this.probes;
    } finally {
      this.inFlight--;
    }
  }

  async #registry<T>(value: () => T): Promise<T> {
    if (this.hangRegistry) await new Promise<void>((r) => this.#release.push(r));
    if (this.failRegistry !== null) throw new Error(this.failRegistry);
    return value();
  }

  listShards(): Promise<ShardView[]> {
    this.calls.listShards++;
    return this.#registry(() => this.shards);
  }

  counts(): Promise<RegistryCounts> {
    return this.#registry(() => COUNTS);
  }

  listPlans(): Promise<PlanView[]> {
    return this.#registry(() => this.plans);
  }

  listClusters(): Promise<Page<ClusterView>> {
    return this.#registry(() => ({ items: this.stale }));
  }

  async transferLeader(to?: string): Promise<TransferResult> {
    this.calls.transfer.push(to);
    return { from: 'n1', to: to ?? 'n2', tookMs: 42 };
  }

  async takeSnapshot(): Promise<SnapshotInfo> {
    this.calls.snapshot++;
    return { index: 120, term: 3, bytes: 4096, path: '/data/snap' };
  }
}

/** One registry change as the watch delivers it. */
export function change(registry: string, type: string, key: string, old: unknown, now: unknown, index = 1): WatchEvent {
  return { index, registry, type, ns: '', key, old, new: now };
}

/**
 * A scripted change stream: `push` delivers a batch to the open watch, `fail` ends it with an
 * error. Every open is recorded with its options, so a test sees where a watch resumed.
 */
export class FakeWatch {
  readonly opens: WatchOptions[] = [];
  #queue: (WatchBatch | Error)[] = [];
  #wake: (() => void) | undefined;

  push(...events: WatchEvent[]): void {
    this.#queue.push({ index: events[0]?.index ?? 0, events, endpoint: '127.0.0.1:7781' });
    this.#wake?.();
  }

  fail(err: Error): void {
    this.#queue.push(err);
    this.#wake?.();
  }

  readonly open = (opts: WatchOptions): AsyncIterable<WatchBatch> => {
    this.opens.push(opts);
    return this.#stream(opts.signal);
  };

  async *#stream(signal: AbortSignal | undefined): AsyncGenerator<WatchBatch> {
    while (signal?.aborted !== true) {
      const next = this.#queue.shift();
      if (next instanceof Error) throw next;
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      this.#wake = undefined;
    }
  }
}
