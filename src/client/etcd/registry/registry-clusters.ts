/**
 * The cluster writes of the registry on etcd: first contact, rebind (one, or a batch all or
 * none), unbind, heartbeat and prune. Every write reads what it decides on, then commits in one
 * transaction comparing those keys' mod revisions; a bind or a move also compares and rewrites
 * the bound count of each shard it touches, so capacity holds under concurrent writers.
 */
import type { CommandOf, FleetErrorCode, FleetErrorDetails, RebindMove, Written } from '../../types.js';
import type { EtcdCompare, EtcdTxnOp } from '../client.js';
import { admits, clusterView, notFound, q, refusal, retry, type Read, type RegistryStore, type StoredCluster, type StoredShard } from './registry-store.js';

/** First contact wins: binds an unbound cluster, accepts the same shard again, refuses any other. */
export function contact(st: RegistryStore, op: CommandOf<'cluster.contact'>): Promise<Written<'cluster.contact'>> {
  return retry(async () => {
    const [shard, count, cluster] = await Promise.all([st.read<StoredShard>(`shards/${op.shard}`), st.read<number>(`bound/${op.shard}`), st.read<StoredCluster>(`clusters/${op.cluster}`)]);
    if (shard.value === undefined) throw notFound('shard', op.shard);
    const c = cluster.value;
    if (c !== undefined && c.shard === op.shard) return { cluster: clusterView(op.cluster, c, cluster.modRevision), created: false, bound: false, index: cluster.modRevision };
    if (c !== undefined && c.shard !== null) {
      throw refusal('ALREADY_BOUND', `cluster ${q(op.cluster)} is already bound to shard ${q(c.shard)}; rebind it explicitly to move it`, { cluster: op.cluster, currentShard: c.shard, generation: c.generation });
    }
    admits(shard.value, count.value ?? 0, 1);
    const next: StoredCluster = { shard: op.shard, generation: (c?.generation ?? 0) + 1, lastSeen: Date.now() };
    const r = await st.commit(
      [st.same(`clusters/${op.cluster}`, cluster), st.same(`bound/${op.shard}`, count), st.same(`shards/${op.shard}`, shard)],
      [st.put(`clusters/${op.cluster}`, next), st.put(`bound/${op.shard}`, (count.value ?? 0) + 1)],
    );
    return r.succeeded ? { cluster: clusterView(op.cluster, next, r.revision), created: c === undefined, bound: true, index: r.revision } : undefined;
  });
}

/** Leaves a cluster known but unbound; unbinding an unbound cluster is a no-op. */
export function unbind(st: RegistryStore, op: CommandOf<'cluster.unbind'>): Promise<Written<'cluster.unbind'>> {
  return retry(async () => {
    const cluster = await st.read<StoredCluster>(`clusters/${op.cluster}`);
    const c = cluster.value;
    if (c === undefined) throw notFound('cluster', op.cluster);
    if (c.shard === null) return { cluster: clusterView(op.cluster, c, cluster.modRevision), previousShard: null, index: cluster.modRevision };
    const count = await st.read<number>(`bound/${c.shard}`);
    const next: StoredCluster = { ...c, shard: null, generation: c.generation + 1 };
    const r = await st.commit(
      [st.same(`clusters/${op.cluster}`, cluster), st.same(`bound/${c.shard}`, count)],
      [st.put(`clusters/${op.cluster}`, next), st.put(`bound/${c.shard}`, Math.max(0, (count.value ?? 1) - 1))],
    );
    return r.succeeded ? { cluster: clusterView(op.cluster, next, r.revision), previousShard: c.shard, index: r.revision } : undefined;
  });
}

/** Records a cluster's heartbeat (at this client's clock: etcd has none to stamp with). */
export function clusterHeartbeat(st: RegistryStore, op: CommandOf<'cluster.heartbeat'>): Promise<Written<'cluster.heartbeat'>> {
  return retry(async () => {
    const cluster = await st.read<StoredCluster>(`clusters/${op.cluster}`);
    if (cluster.value === undefined) throw notFound('cluster', op.cluster);
    const lastSeen = Date.now();
    const r = await st.commit([st.same(`clusters/${op.cluster}`, cluster)], [st.put(`clusters/${op.cluster}`, { ...cluster.value, lastSeen })]);
    return r.succeeded ? { cluster: op.cluster, lastSeen, index: r.revision } : undefined;
  });
}

/**
 * Forgets every cluster last seen more than `notSeenSinceMs` ago. The stale clusters go in
 * transactions that fit etcd's limit, each comparing the clusters and the counts it rewrites: a
 * cluster seen meanwhile is kept. Unlike fleet's one entry, a large prune is several commits.
 */
export async function clusterPrune(st: RegistryStore, op: CommandOf<'cluster.prune'>): Promise<Written<'cluster.prune'>> {
  const cutoff = Date.now() - op.notSeenSinceMs;
  let pruned = 0;
  let index = await st.revision();
  for (;;) {
    const r = await retry(() => pruneSome(st, cutoff));
    if (r.pruned === 0) return { pruned, index };
    pruned += r.pruned;
    index = r.revision;
  }
}

/** Forgets up to a transaction's worth of clusters last seen before `cutoff`; undefined when it lost a race. */
async function pruneSome(st: RegistryStore, cutoff: number): Promise<{ pruned: number; revision: number } | undefined> {
  const chunk = (await st.scanValues<StoredCluster>('clusters/')).filter((c) => c.value.lastSeen < cutoff).slice(0, Math.floor(st.maxTxnOps / 2));
  if (chunk.length === 0) return { pruned: 0, revision: 0 };
  const counts = await st.boundCounts();
  const shards = [...new Set(chunk.flatMap((c) => (c.value.shard === null ? [] : [c.value.shard])))].slice(0, st.maxTxnOps - chunk.length);
  const taken = chunk.filter((c) => c.value.shard === null || shards.includes(c.value.shard));
  const count = (s: string) => counts.get(s) ?? { value: undefined, modRevision: 0 };
  const left = (s: string) => Math.max(0, (count(s).value ?? 0) - taken.filter((c) => c.value.shard === s).length);
  const compare = [...taken.map((c) => st.same(`clusters/${c.name}`, c)), ...shards.map((s) => st.same(`bound/${s}`, count(s)))];
  const r = await st.commit(compare, [...taken.map((c) => st.del(`clusters/${c.name}`)), ...shards.map((s) => st.put(`bound/${s}`, left(s)))]);
  return r.succeeded ? { pruned: taken.length, revision: r.revision } : undefined;
}

/** Moves one cluster if it is bound where the caller believes; refuses full or non-active targets unless forced. */
export async function rebind(st: RegistryStore, op: CommandOf<'cluster.rebind'>): Promise<Written<'cluster.rebind'>> {
  const r = await move(st, [op], { force: op.force === true, batch: false });
  return { cluster: r.clusters[0]!, from: op.from, index: r.revision };
}

/** Many rebinds in one etcd transaction, all or none: every move is checked against the state before any is made (the list itself was checked by `checkCommand`). */
export async function rebindBatch(st: RegistryStore, op: CommandOf<'cluster.rebindBatch'>): Promise<Written<'cluster.rebindBatch'>> {
  const r = await move(st, op.moves, { force: op.force === true, batch: true });
  return { moved: op.moves.length, planId: op.planId ?? null, index: r.revision };
}

/** What a move reads: each cluster, each target shard, each touched shard's count. */
interface MoveReads {
  readonly clusters: readonly Read<StoredCluster>[];
  readonly shards: ReadonlyMap<string, Read<StoredShard>>;
  readonly counts: ReadonlyMap<string, Read<number>>;
}

async function readMoves(st: RegistryStore, moves: readonly RebindMove[]): Promise<MoveReads> {
  const targets = [...new Set(moves.map((m) => m.to))];
  const touched = [...new Set(moves.flatMap((m) => (m.from === null ? [m.to] : [m.to, m.from])))];
  const [clusters, shards, counts] = await Promise.all([
    Promise.all(moves.map((m) => st.read<StoredCluster>(`clusters/${m.cluster}`))),
    Promise.all(targets.map((s) => st.read<StoredShard>(`shards/${s}`))),
    Promise.all(touched.map((s) => st.read<number>(`bound/${s}`))),
  ]);
  return { clusters, shards: new Map(targets.map((s, i) => [s, shards[i]!])), counts: new Map(touched.map((s, i) => [s, counts[i]!])) };
}

/** Checks, then commits, moves: a lost race reads again; a refusal names the move when `batch`. */
async function move(st: RegistryStore, moves: readonly RebindMove[], opts: { force: boolean; batch: boolean }) {
  return retry(async () => {
    const reads = await readMoves(st, moves);
    moves.forEach((m, i) => atMove(opts.batch, i, m, () => checkMove(m, reads.clusters[i]!, reads.shards.get(m.to)!)));
    if (!opts.force) checkTargets(moves, reads, opts.batch);
    const net = netIncoming(moves);
    const compare: EtcdCompare[] = [
      ...moves.map((m, i) => st.same(`clusters/${m.cluster}`, reads.clusters[i]!)),
      ...[...reads.counts].map(([s, c]) => st.same(`bound/${s}`, c)),
      ...[...reads.shards].map(([s, r]) => st.same(`shards/${s}`, r)),
    ];
    const next = moves.map((m, i): StoredCluster => ({ ...reads.clusters[i]!.value!, shard: m.to, generation: reads.clusters[i]!.value!.generation + 1 }));
    const ops: EtcdTxnOp[] = [...moves.map((m, i) => st.put(`clusters/${m.cluster}`, next[i])), ...[...reads.counts].map(([s, c]) => st.put(`bound/${s}`, Math.max(0, (c.value ?? 0) + (net.get(s) ?? 0))))];
    const r = await st.commit(compare, ops);
    return r.succeeded ? { revision: r.revision, clusters: moves.map((m, i) => clusterView(m.cluster, next[i]!, r.revision)) } : undefined;
  });
}

/** The compare-and-set of one move and its target's existence, as fleet's `checkMove` words them. */
function checkMove(m: RebindMove, cluster: Read<StoredCluster>, shard: Read<StoredShard>): void {
  const c = cluster.value;
  if (c === undefined) throw notFound('cluster', m.cluster);
  if (c.shard !== m.from) {
    const where = (id: string | null): string => (id === null ? 'unbound' : `bound to ${q(id)}`);
    throw refusal('CAS_FAILED', `cluster ${q(m.cluster)} is ${where(c.shard)}, not ${where(m.from)}`, { cluster: m.cluster, expectedShard: m.from, currentShard: c.shard, generation: c.generation });
  }
  if (shard.value === undefined) throw notFound('shard', m.to);
}

/** The targets' states and capacities: one move asks for one slot; a batch for its net per shard. */
function checkTargets(moves: readonly RebindMove[], reads: MoveReads, batch: boolean): void {
  const net = netIncoming(moves);
  moves.forEach((m, i) => atMove(batch, i, m, () => admits(reads.shards.get(m.to)!.value!, reads.counts.get(m.to)!.value ?? 0, batch ? net.get(m.to)! : 1)));
}

function netIncoming(moves: readonly RebindMove[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const m of moves) {
    net.set(m.to, (net.get(m.to) ?? 0) + 1);
    if (m.from !== null) net.set(m.from, (net.get(m.from) ?? 0) - 1);
  }
  return net;
}

/** Runs a check; in a batch, its refusal names the move, as fleet's `atMove` does. */
function atMove(batch: boolean, i: number, m: RebindMove, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (!batch || !isRefusal(err)) throw err;
    const details: FleetErrorDetails = { ...err.details, moveIndex: i, cluster: m.cluster };
    throw refusal(err.code, `moves[${i}] (cluster ${q(m.cluster)}): ${err.message}; no move was made`, details);
  }
}

function isRefusal(err: unknown): err is Error & { code: FleetErrorCode; details: FleetErrorDetails } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}
