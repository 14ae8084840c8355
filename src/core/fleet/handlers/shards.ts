/** Handlers of the shard commands: register, update, setState, remove, heartbeat. */
import { FULL_REGISTRY, LIMITS } from '../limits.js';
import { ShardRecord, UNBOUND, type FleetState } from '../state.js';
import type { Labels, QuotaView } from '../types.js';
import { fail, notFound, ok, type Handler, type Outcome } from './outcome.js';

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Two shards behind one address would make clusters' contacts ambiguous. */
function addressTaken(s: FleetState, address: string, self: string): Outcome<never> | undefined {
  for (const rec of s.shards.values()) {
    if (rec.address === address && rec.id !== self) {
      return fail('FAILED_PRECONDITION', `address ${address} is already used by shard ${JSON.stringify(rec.id)}`, { address, shard: rec.id });
    }
  }
  return undefined;
}

/** Registers a shard; an identical re-registration (a restarted shard) is a no-op. */
export const shardRegister: Handler<'shard.register'> = (s, op, ctx) => {
  const labels = Object.freeze(op.labels ?? {});
  const existing = s.shards.get(op.id);
  if (existing !== undefined) {
    const same =
      existing.address === op.address && existing.region === op.region && existing.zone === op.zone &&
      existing.capacity === op.capacity && sameLabels(existing.labels, labels);
    if (same) return ok({ shard: s.shardView(existing), created: false });
    return fail('FAILED_PRECONDITION', `shard ${JSON.stringify(op.id)} is already registered with other settings; use shard.update to change them`, {
      shard: op.id,
    });
  }
  if (s.shards.size >= LIMITS.maxShards) return fail('FAILED_PRECONDITION', FULL_REGISTRY.shards);
  const taken = addressTaken(s, op.address, op.id);
  if (taken !== undefined) return taken;
  const rec = new ShardRecord(op.id, op.address, op.region, op.zone, 'active', op.capacity, labels, ctx.time, -1);
  s.addShard(rec);
  return ok({ shard: s.shardView(rec), created: true });
};

/** Changes a shard's settings. Lowering capacity below the bound count is allowed: it only stops new bindings. */
export const shardUpdate: Handler<'shard.update'> = (s, op) => {
  const rec = s.shards.get(op.id);
  if (rec === undefined) return notFound('shard', op.id);
  if (op.address !== undefined) {
    const taken = addressTaken(s, op.address, op.id);
    if (taken !== undefined) return taken;
    rec.address = op.address;
  }
  if (op.region !== undefined) rec.region = op.region;
  if (op.zone !== undefined) rec.zone = op.zone;
  if (op.capacity !== undefined) rec.capacity = op.capacity;
  if (op.labels !== undefined) rec.labels = Object.freeze(op.labels);
  return ok({ shard: s.shardView(rec) });
};

/** Moves a shard between active, draining and cordoned. */
export const shardSetState: Handler<'shard.setState'> = (s, op) => {
  const rec = s.shards.get(op.id);
  if (rec === undefined) return notFound('shard', op.id);
  const previousState = rec.state;
  rec.state = op.state;
  return ok({ shard: s.shardView(rec), previousState });
};

/** Drops a removed shard from every quota's slices; returns how many slices went. */
function dropQuotaSlices(s: FleetState, id: string): number {
  let dropped = 0;
  for (const [key, quota] of s.quotas) {
    const amount = quota.slices[id];
    if (amount === undefined) continue;
    const slices = { ...quota.slices };
    delete slices[id];
    const next: QuotaView = Object.freeze({ ...quota, allocated: quota.allocated - amount, slices: Object.freeze(slices) });
    s.quotas.set(key, next);
    dropped++;
  }
  return dropped;
}

/**
 * Removes a shard. Refused while clusters are bound, unless `force`, which leaves them
 * unbound (so their next contact binds them again). Domains assigned to it and its quota
 * slices go with it.
 */
export const shardRemove: Handler<'shard.remove'> = (s, op, ctx) => {
  if (!s.shards.has(op.id)) return notFound('shard', op.id);
  const count = s.clusters.boundCount(op.id);
  if (count > 0 && op.force !== true) {
    return fail('FAILED_PRECONDITION', `shard ${JSON.stringify(op.id)} still has ${count} bound clusters; rebind them first, or pass --force to remove it with its bindings`, {
      shard: op.id,
      boundClusters: count,
    });
  }
  // Collect first: the index must not change under its own iteration.
  const bound = s.clusters.slotsOf(op.id);
  for (const slot of bound) s.clusters.bind(slot, UNBOUND, ctx.index);
  let unassignedDomains = 0;
  for (const [key, domain] of s.domains) {
    if (domain.shard !== op.id) continue;
    s.domains.delete(key);
    unassignedDomains++;
  }
  const droppedQuotaSlices = dropQuotaSlices(s, op.id);
  s.deleteShard(op.id);
  return ok({ id: op.id, unboundClusters: bound.length, unassignedDomains, droppedQuotaSlices });
};

/** Records a shard's heartbeat at the leader's time. */
export const shardHeartbeat: Handler<'shard.heartbeat'> = (s, op, ctx) => {
  const rec = s.shards.get(op.id);
  if (rec === undefined) return notFound('shard', op.id);
  rec.lastHeartbeat = ctx.time;
  return ok({ id: op.id, lastHeartbeat: ctx.time });
};
