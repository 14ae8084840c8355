import { FleetClientError, type EndpointStatus, type MemberStatus } from '../../../src/client/index.js';
import type { DrillClock } from '../../../src/ops/drill/clock.js';
import type { FaultAction, FaultInjector } from '../../../src/ops/drill/injector.js';
import type { RegisterClient, RegisterValue } from '../../../src/ops/drill/register-client.js';
import type { ClusterProbe, MemberRef } from '../../../src/ops/drill/steady-state.js';
import type { DrillOptions } from '../../../src/ops/drill/types.js';

/** How the fake cluster misbehaves. */
export interface FakeClusterOptions {
  /** Time from losing the leader to a new one. */
  readonly electionMs?: number;
  /**
   * Acknowledge writes before applying them (they apply `applyDelayMs` later); a kill of the
   * leader drops what is not applied yet — acknowledged writes get lost.
   */
  readonly unsafeAck?: boolean;
  readonly applyDelayMs?: number;
  /** A member that never answers (steady state cannot be reached). */
  readonly unreachable?: string;
  /** How long a kill or pause takes to take effect (the member serves on meanwhile). */
  readonly faultLagMs?: number;
  /** How long each operation's trip takes before it reaches the leader (default 1 ms). */
  readonly latencyMs?: number;
  /** How many restarts fail, as a member that dies starting up does (Infinity: every one). */
  readonly restartFailures?: number;
  /** The drill's clock, to note when faults took effect. */
  readonly clock?: DrillClock;
  /** Partitions can be injected: the cut-off member keeps answering, its indexes frozen until the heal. */
  readonly partitions?: boolean;
}

/** Why the fake's failing restarts fail: what the local injector reports of a member that found its LOCK held. */
export const RESTART_FAILURE = 'member n1 did not start again within 1s (3 attempts): it exited (1): StorageLockedError: storage directory /d/n1/raft is locked by process 4242, which is still running.';

const MEMBERS: readonly MemberRef[] = [
  { id: 'n1', address: '127.0.0.1:1' },
  { id: 'n2', address: '127.0.0.1:2' },
  { id: 'n3', address: '127.0.0.1:3' },
];

/**
 * An in-memory three-member "cluster" of registers: linearizable while it has a leader (every
 * operation runs atomically), unavailable during an election. Its statuses, clients and fault
 * injector are what the engine sees of a real one.
 */
export class FakeCluster {
  readonly members = MEMBERS;
  leader: string | null = 'n1';
  term = 1;
  commit = 10;
  readonly down = new Set<string>();
  /** Members cut off by a partition, with the index they were at. */
  readonly cutOff = new Map<string, number>();
  readonly store = new Map<string, { value: string; version: number }>();
  readonly calls: string[] = [];
  /** When each kill or pause took effect, on `opts.clock`. */
  readonly faultsAtNs: number[] = [];
  #restartFailures: number;
  readonly #pending = new Set<NodeJS.Timeout>();
  #election: NodeJS.Timeout | undefined;

  constructor(readonly opts: FakeClusterOptions = {}) {
    this.#restartFailures = opts.restartFailures ?? 0;
  }

  /** The status every member would report now. */
  status(id: string): EndpointStatus {
    const m = this.members.find((x) => x.id === id)!;
    if (this.down.has(id) || this.opts.unreachable === id) {
      return { endpoint: m.address, ok: false, reachable: false, rttMs: 1, error: new FleetClientError('unavailable', `${m.address}: connection refused`) };
    }
    const status: MemberStatus = {
      id,
      address: m.address,
      clusterName: 'fleet',
      role: this.leader === id ? 'leader' : 'follower',
      term: this.term,
      leaderId: this.leader ?? '',
      leaderAddress: '',
      commitIndex: this.cutOff.get(id) ?? this.commit,
      appliedIndex: this.cutOff.get(id) ?? this.commit,
      lastIndex: this.cutOff.get(id) ?? this.commit,
      snapshotIndex: 0,
      members: this.members.map((x) => ({ ...x, voter: true })),
      progress: [],
      lastContactMs: 0,
      uptimeMs: 1000,
      version: 'test',
      rssBytes: 0,
      snapshotsTaken: 0,
      elections: 1,
      repair: null,
      repairsCompleted: 0,
      storage: 'ok',
    };
    return { endpoint: m.address, ok: true, reachable: true, rttMs: 1, status };
  }

  probe(): ClusterProbe {
    return {
      statusAll: async (addresses) => (addresses ?? this.members.map((m) => m.address)).map((a) => this.status(this.members.find((m) => m.address === a)!.id)),
      close: () => {},
    };
  }

  #available(): void {
    if (this.leader === null) throw new FleetClientError('unavailable', 'no leader: retry', { notLeader: true });
  }

  #apply(key: string, value: string): void {
    const prev = this.store.get(key);
    this.store.set(key, { value, version: (prev?.version ?? 0) + 1 });
    this.commit++;
  }

  #write(key: string, value: string): void {
    if (!this.opts.unsafeAck) return this.#apply(key, value);
    const t = setTimeout(() => {
      this.#pending.delete(t);
      this.#apply(key, value);
    }, this.opts.applyDelayMs ?? 30);
    this.#pending.add(t);
  }

  /**
   * One operation's trip: a millisecond of "network", then, like FleetClient, waiting for a
   * leader (up to two seconds) before giving up as unavailable.
   */
  async #trip(): Promise<void> {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(this.opts.latencyMs ?? 1);
    const deadline = Date.now() + 2_000;
    while (this.leader === null && Date.now() < deadline) await sleep(2);
    this.#available();
  }

  /** The address of the member leading now (who acknowledges a write). */
  #leaderAddress(): string | undefined {
    return this.members.find((m) => m.id === this.leader)?.address;
  }

  client(): RegisterClient {
    const step = () => this.#trip();
    return {
      put: async (key, value) => {
        await step();
        this.#write(key, value);
        return { by: this.#leaderAddress() };
      },
      cas: async (key, expected, value) => {
        await step();
        const current = this.store.get(key)?.value ?? null;
        if (current !== expected) throw new FleetClientError('precondition', `kv key ${key} holds another value`, { code: 'CAS_FAILED' });
        this.#write(key, value);
        return { by: this.#leaderAddress() };
      },
      get: async (key): Promise<RegisterValue> => {
        await step();
        const v = this.store.get(key);
        return v === undefined ? { value: null, version: 0 } : { value: v.value, version: v.version };
      },
      delete: async (key) => {
        this.store.delete(key);
      },
      close: () => {},
    };
  }

  /** Takes `id` down; if it led, an election follows. Unsafe: unapplied writes are gone. */
  kill(id: string): void {
    this.down.add(id);
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
    if (this.leader !== id) return;
    this.leader = null;
    this.#election = setTimeout(() => {
      this.term++;
      this.leader = this.members.find((m) => !this.down.has(m.id))!.id;
    }, this.opts.electionMs ?? 50);
  }

  restart(id: string): void {
    this.down.delete(id);
  }

  /** Stops the election timer (for tests that end early). */
  dispose(): void {
    clearTimeout(this.#election);
    for (const t of this.#pending) clearTimeout(t);
  }

  /** A kill or pause: it takes effect `faultLagMs` after it was asked for, and the injector answers then. */
  async #fault(id: string): Promise<void> {
    if (this.opts.faultLagMs) await new Promise((resolve) => setTimeout(resolve, this.opts.faultLagMs));
    this.kill(id);
    if (this.opts.clock) this.faultsAtNs.push(this.opts.clock.nowNs());
  }

  injector(): FaultInjector {
    const note = (what: string, m: MemberRef) => this.calls.push(`${what} ${m.id}`);
    return {
      kind: 'fake',
      can: (a: FaultAction) => (a !== 'partition' || this.opts.partitions === true) && a !== 'delay' && a !== 'clock' && a !== 'disk-stall',
      kill: async (m) => {
        note('kill', m);
        await this.#fault(m.id);
      },
      pause: async (m) => {
        note('pause', m);
        await this.#fault(m.id);
      },
      resume: async (m) => {
        note('resume', m);
        this.restart(m.id);
      },
      partition: async (m) => {
        if (this.opts.partitions !== true) throw new Error('no partitions here');
        note('partition', m);
        this.cutOff.set(m.id, this.commit);
      },
      delay: async () => {
        throw new Error('no link delays here');
      },
      skewClock: async () => {
        throw new Error('no clock skews here');
      },
      stallDisk: async () => {
        throw new Error('no disk stalls here');
      },
      heal: async (m) => {
        this.cutOff.delete(m.id);
      },
      stop: async (m) => {
        note('stop', m);
        this.kill(m.id);
      },
      restart: async (m) => {
        note('restart', m);
        if (this.#restartFailures > 0) {
          this.#restartFailures--;
          throw new Error(RESTART_FAILURE);
        }
        this.restart(m.id);
      },
      restoreAll: async () => {},
      prepare: async () => {},
    };
  }
}

/** Short timings for engine tests: the whole drill takes well under a second per round. */
export function fastOptions(overrides: Partial<DrillOptions> = {}): DrillOptions {
  return {
    drill: 'kill-leader',
    rounds: 1,
    clients: 4,
    keys: 4,
    warmupMs: 60,
    observeMs: 200,
    restart: true,
    slo: { unavailableMs: 5_000, newLeaderMs: 5_000 },
    maxLag: 100,
    settleMs: 1_000,
    opTimeoutMs: 1_000,
    pauseMs: 200,
    isolate: 'leader',
    partitionMs: 200,
    ...overrides,
  };
}
