/** Builders of registries and plans for the rebind tests. */
import { generatePlan, type DrainRequest, type GenerateOptions, type RebalanceRequest, type RebindPlan } from '../../../src/ops/rebind/index.js';
import { CoreRegistry } from './core-registry.js';

/** A fixed instant, so plans made in tests are byte-for-byte reproducible. */
export const NOW = new Date('2025-01-02T03:04:05.000Z');

/** `c-000042`. */
export function clusterName(i: number): string {
  return `c-${String(i).padStart(6, '0')}`;
}

/** A registry with shards of the given capacities and bound counts; clusters are numbered across shards. */
export function registryWith(shards: Record<string, { capacity: number; bound: number; state?: 'active' | 'draining' | 'cordoned' }>): CoreRegistry {
  const r = new CoreRegistry();
  let i = 0;
  for (const [id, s] of Object.entries(shards)) {
    r.shard(id, Math.max(s.capacity, s.bound));
    for (let k = 0; k < s.bound; k++) r.contact(clusterName(i++), id);
    if (s.bound > s.capacity) r.run({ type: 'shard.update', id, capacity: s.capacity });
    if (s.state !== undefined && s.state !== 'active') r.run({ type: 'shard.setState', id, state: s.state });
  }
  return r;
}

/** Generates a plan with the test defaults. */
export function plan(r: CoreRegistry, request: DrainRequest | RebalanceRequest, opts: Partial<GenerateOptions> = {}): Promise<RebindPlan> {
  return generatePlan(r, request, { createdBy: 'tester@host', now: NOW, ...opts });
}

/** Each shard's bound count, as the registry reports it. */
export async function boundCounts(r: CoreRegistry): Promise<Record<string, number>> {
  return Object.fromEntries((await r.listShards()).map((s) => [s.id, s.boundClusters]));
}
