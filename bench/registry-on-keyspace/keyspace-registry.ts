/**
 * The prototype of issue 56: the registry's shards, clusters and bindings kept as key ranges of
 * the etcd keyspace (an `EtcdReplica`), in the layout the etcd engine already writes
 * (src/client/etcd/registry/registry.ts):
 *
 *   /fleet/shards/<id>               JSON StoredShard
 *   /fleet/shard-addresses/<address> JSON: the id of the shard at that address
 *   /fleet/bound/<shard>             the number of clusters bound to the shard, in decimal
 *   /fleet/clusters/<name>           JSON StoredCluster: shard (null: unbound), generation, lastSeen
 *
 * A registry command is decided by the proposer against the store as applied (as fleet's handler
 * decides against FleetState) and becomes one transaction whose compares are the handler's checks
 * — the cluster still absent, the shard unchanged since it was found active with room, each bound
 * count still the number the decision counted — so that every replica applying the entry in log
 * order re-checks them. Only what the probe needs is here: shard.register, cluster.contact and
 * cluster.rebindBatch, and the lookup of a cluster. Not a part of src: nothing runs it but
 * bench/registry-on-keyspace/ and its test.
 */
import type { StoredCluster, StoredShard } from '../../src/client/etcd/registry/registry-store.js';
import { decodeEtcdRequest, encodeEtcdRequest, EtcdReplica, type EtcdAnswer, type EtcdRequest } from '../../src/core/etcd-store/replica.js';
import type { Compare, RequestOp, TxnRequest } from '../../src/core/etcd-store/mvcc.js';
import type { ClusterView, CommandOf, FleetErrorCode, RebindMove } from '../../src/core/fleet/index.js';

/** The etcd engine's default prefix (DEFAULT_REGISTRY_PREFIX). */
export const PREFIX = '/fleet/';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const key = (rest: string): Uint8Array => enc(PREFIX + rest);
const q = JSON.stringify;

/** What the proposer decided: the entry to propose, or the refusal fleet's handler would give. */
export type Decision = { readonly ok: true; readonly request: EtcdRequest } | { readonly ok: false; readonly code: FleetErrorCode; readonly message: string };

/** A key as read: its decoded value (undefined: absent) and the mod revision it was read at (0: absent). */
interface Read<T> {
  readonly value: T | undefined;
  readonly mod: number;
}

const refuse = (code: FleetErrorCode, message: string): Decision => ({ ok: false, code, message });

/** The compare that `rest` is still as `read` saw it (mod revision 0: still absent). */
function same(rest: string, read: Read<unknown>): Compare {
  return { key: key(rest), target: 'mod', result: 'equal', operand: read.mod };
}

/** The compare that a bound count still holds the number the decision counted. */
function countIs(shard: string, count: number): Compare {
  return { key: key(`bound/${shard}`), target: 'value', result: 'equal', operand: enc(String(count)) };
}

function put(rest: string, value: unknown): RequestOp {
  return { put: { key: key(rest), value: enc(JSON.stringify(value)) } };
}

/**
 * The registry on a keyspace replica. `decide*` read the store and build the entry (the leader's
 * work); `apply` is what every replica does with it. Invariant: a decision made on the state the
 * entry is applied to always commits (its compares hold), so a failed compare is a stale proposer.
 */
export class KeyspaceRegistry {
  constructor(public replica = new EtcdReplica()) {}

  #read<T>(rest: string): Read<T> {
    const kv = this.replica.store.range({ key: key(rest) }).kvs[0];
    return kv === undefined ? { value: undefined, mod: 0 } : { value: JSON.parse(Buffer.from(kv.value).toString('utf8')) as T, mod: kv.modRevision };
  }

  #count(shard: string): number {
    return this.#read<number>(`bound/${shard}`).value ?? 0;
  }

  /** Registers a new shard: its record, its count at 0 and its address index, compared absent. */
  decideRegister(op: CommandOf<'shard.register'>, at: number): Decision {
    const shard = this.#read<StoredShard>(`shards/${op.id}`);
    if (shard.value !== undefined) return refuse('FAILED_PRECONDITION', `shard ${q(op.id)} is already registered`);
    const owner = this.#read<string>(`shard-addresses/${op.address}`);
    if (owner.value !== undefined) return refuse('FAILED_PRECONDITION', `address ${op.address} is already used by shard ${q(owner.value)}`);
    const stored: StoredShard = { id: op.id, address: op.address, region: op.region, zone: op.zone, state: 'active', capacity: op.capacity, labels: op.labels ?? {}, registeredAt: at, lastHeartbeat: null };
    return this.#txn(at, {
      compare: [same(`shards/${op.id}`, shard), same(`shard-addresses/${op.address}`, owner)],
      success: [put(`shards/${op.id}`, stored), put(`bound/${op.id}`, 0), put(`shard-addresses/${op.address}`, op.id)],
    });
  }

  /** First contact wins, as fleet's clusterContact: binds, accepts the same shard (a touch), refuses another. */
  decideContact(op: CommandOf<'cluster.contact'>, at: number): Decision {
    const shard = this.#read<StoredShard>(`shards/${op.shard}`);
    if (shard.value === undefined) return refuse('NOT_FOUND', `shard ${q(op.shard)} does not exist`);
    const cluster = this.#read<StoredCluster>(`clusters/${op.cluster}`);
    const c = cluster.value;
    if (c !== undefined && c.shard === op.shard) {
      return this.#txn(at, { compare: [same(`clusters/${op.cluster}`, cluster)], success: [put(`clusters/${op.cluster}`, { ...c, lastSeen: at })] });
    }
    if (c !== undefined && c.shard !== null) return refuse('ALREADY_BOUND', `cluster ${q(op.cluster)} is already bound to shard ${q(c.shard)}; rebind it explicitly to move it`);
    const count = this.#count(op.shard);
    const refused = admits(shard.value, count, 1);
    if (refused !== undefined) return refused;
    const next: StoredCluster = { shard: op.shard, generation: (c?.generation ?? 0) + 1, lastSeen: at };
    return this.#txn(at, {
      compare: [same(`clusters/${op.cluster}`, cluster), same(`shards/${op.shard}`, shard), countIs(op.shard, count)],
      success: [put(`clusters/${op.cluster}`, next), put(`bound/${op.shard}`, count + 1)],
    });
  }

  /** A rebind batch, all or none: each cluster compared where it was found, each touched count and target shard. */
  decideRebindBatch(op: CommandOf<'cluster.rebindBatch'>, at: number): Decision {
    const clusters = op.moves.map((m) => this.#read<StoredCluster>(`clusters/${m.cluster}`));
    const targets = new Map<string, Read<StoredShard>>();
    for (const [i, m] of op.moves.entries()) {
      const c = clusters[i]!.value;
      if (c === undefined) return refuse('NOT_FOUND', `moves[${i}]: cluster ${q(m.cluster)} does not exist`);
      if (c.shard !== m.from) return refuse('CAS_FAILED', `moves[${i}]: cluster ${q(m.cluster)} is bound to ${q(c.shard)}, not ${q(m.from)}`);
      if (!targets.has(m.to)) targets.set(m.to, this.#read<StoredShard>(`shards/${m.to}`));
      if (targets.get(m.to)!.value === undefined) return refuse('NOT_FOUND', `moves[${i}]: shard ${q(m.to)} does not exist`);
    }
    const net = netIncoming(op.moves);
    const counts = new Map([...net.keys()].map((s) => [s, this.#count(s)]));
    if (op.force !== true) {
      for (const [s, t] of targets) {
        const refused = admits(t.value!, counts.get(s)!, net.get(s)!);
        if (refused !== undefined) return refused;
      }
    }
    return this.#txn(at, {
      compare: [...op.moves.map((m, i) => same(`clusters/${m.cluster}`, clusters[i]!)), ...[...targets].map(([s, t]) => same(`shards/${s}`, t)), ...[...counts].map(([s, n]) => countIs(s, n))],
      success: [
        ...op.moves.map((m, i) => put(`clusters/${m.cluster}`, { ...clusters[i]!.value!, shard: m.to, generation: clusters[i]!.value!.generation + 1 })),
        ...[...counts].map(([s, n]) => put(`bound/${s}`, n + net.get(s)!)),
      ],
    });
  }

  #txn(at: number, txn: TxnRequest): Decision {
    return { ok: true, request: { at, op: { type: 'txn', txn } } };
  }

  /** What every replica does with an entry: decode it and apply its transaction. */
  applyEntry(data: Uint8Array): EtcdAnswer {
    return this.replica.apply(decodeEtcdRequest(data));
  }

  /** Decides, encodes and applies one command; throws on a refusal or a failed compare (the probe's loads have neither). */
  write(decision: Decision): number {
    if (!decision.ok) throw new Error(`refused: ${decision.code} ${decision.message}`);
    const answer = this.applyEntry(encodeEtcdRequest(decision.request));
    if (!answer.ok || answer.txn?.succeeded !== true) throw new Error(`txn did not commit: ${JSON.stringify(answer)}`);
    return answer.revision;
  }

  /** The lookup a client makes to find a cluster's shard: one Range of its key, as fleet's getCluster answers it. */
  getCluster(name: string): ClusterView | undefined {
    const kv = this.replica.store.range({ key: key(`clusters/${name}`) }).kvs[0];
    if (kv === undefined) return undefined;
    const c = JSON.parse(Buffer.from(kv.value).toString('utf8')) as StoredCluster;
    return { name, shard: c.shard, generation: c.generation, boundAtIndex: kv.modRevision, lastSeen: c.lastSeen };
  }

  /** Clusters bound to `shard`, from its count key. */
  boundCount(shard: string): number {
    return this.#count(shard);
  }
}

/** fleet's admission: only an active shard with room takes a net `incoming` more. */
function admits(shard: StoredShard, bound: number, incoming: number): Decision | undefined {
  if (shard.state !== 'active') return refuse('FAILED_PRECONDITION', `shard ${q(shard.id)} is ${shard.state} and takes no new clusters`);
  if (incoming > 0 && bound + incoming > shard.capacity) return refuse('FAILED_PRECONDITION', `shard ${q(shard.id)} is at capacity (${bound} of ${shard.capacity} bound, ${incoming} more asked)`);
  return undefined;
}

function netIncoming(moves: readonly RebindMove[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const m of moves) {
    net.set(m.to, (net.get(m.to) ?? 0) + 1);
    if (m.from !== null) net.set(m.from, (net.get(m.from) ?? 0) - 1);
  }
  return net;
}
