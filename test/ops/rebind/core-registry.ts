/**
 * A RebindRegistry over the real registry state machine (src/core/fleet), in-process: writes
 * are applied as Raft entries would be and refusals come back as the client would raise them,
 * so the rebind workflows are tested against the true compare-and-set and capacity semantics.
 */
import { FleetClientError, type CommandOf, type CommandType, type FleetErrorCode, type ListClustersOptions, type RebindMove, type Written } from '../../../src/client/index.js';
import { FleetStateMachine, encodeCommand, type Command } from '../../../src/core/fleet/index.js';
import type { RebindRegistry } from '../../../src/ops/rebind/index.js';

const T0 = 1_700_000_000_000;

function kindOf(code: FleetErrorCode): 'not-found' | 'invalid' | 'precondition' {
  return code === 'NOT_FOUND' ? 'not-found' : code === 'INVALID_ARGUMENT' ? 'invalid' : 'precondition';
}

/** The registry, plus hooks a test uses to interfere between writes. */
export class CoreRegistry implements RebindRegistry {
  readonly sm = new FleetStateMachine();
  index = 0;
  time = T0;
  writes = 0;
  /** Called before each rebindBatch is applied (e.g. a concurrent operator's move). */
  beforeBatch: ((moves: readonly RebindMove[]) => void) | undefined;

  /** Applies a command; returns its value with the index, or throws the client's error. */
  run<T>(op: Command): T & { index: number } {
    const r = this.sm.apply(++this.index, encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: this.time, op } as never));
    if (!r.ok) {
      const { actualShard, ...rest } = (r.details ?? {}) as Record<string, unknown>;
      const details = actualShard === undefined ? rest : { ...rest, currentShard: actualShard };
      throw new FleetClientError(kindOf(r.code), r.message, { code: r.code, details, index: r.index });
    }
    return { ...(r.value as T), index: r.index };
  }

  shard(id: string, capacity: number, state: 'active' | 'draining' | 'cordoned' = 'active'): void {
    this.run({ type: 'shard.register', id, address: `10.0.0.${this.index % 250}:7000`, region: 'r', zone: 'z', capacity });
    if (state !== 'active') this.run({ type: 'shard.setState', id, state });
  }

  contact(cluster: string, shard: string): void {
    this.run({ type: 'cluster.contact', cluster, shard });
  }

  /** Every cluster's shard, by name. */
  bindings(): Map<string, string | null> {
    const out = new Map<string, string | null>();
    let after: string | undefined;
    do {
      const page = this.sm.listClusters({ limit: 10_000, ...(after === undefined ? {} : { after }) });
      for (const c of page.items) out.set(c.name, c.shard);
      after = page.next;
    } while (after !== undefined);
    return out;
  }

  async listShards() {
    return this.sm.listShards();
  }
  async listClusters(opts: ListClustersOptions = {}) {
    const { consistency: _c, ...rest } = opts;
    return this.sm.listClusters(rest);
  }
  async getCluster(name: string) {
    return this.sm.getCluster(name);
  }
  async counts() {
    return { appliedIndex: this.sm.appliedIndex };
  }
  async listPlans() {
    return this.sm.plans();
  }
  async rebind(cluster: string, from: string | null, to: string, opts: { force?: boolean } = {}) {
    return this.run<Written<'cluster.rebind'>>({ type: 'cluster.rebind', cluster, from, to, ...opts });
  }
  /** A registry write; a rebind batch first runs `beforeBatch` and is counted. */
  async write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>> {
    if (command.type === 'cluster.rebindBatch') {
      this.beforeBatch?.((command as CommandOf<'cluster.rebindBatch'>).moves);
      this.writes++;
    }
    return this.run<Written<T>>(command as unknown as Command);
  }
}
