/**
 * Rebind plans' progress as the registry on etcd keeps it (`<prefix>plans/<plan id>`, see
 * registry.ts): read by the registry and by `fleet status`, whose one-shot probe must not load
 * the registry's grpc-js client.
 */
import type { PlanView } from '../types.js';
import { prefixEnd } from '../../common/etcd-keys.js';

/** Where the registry lives when no prefix is given. */
export const DEFAULT_REGISTRY_PREFIX = '/fleet/';

/** A plan as stored; its `updatedAtIndex` is the key's mod revision. */
export type StoredPlan = Omit<PlanView, 'updatedAtIndex'>;

/** A range read: what both EtcdClient and the status probe answer. */
export interface EtcdRangeSource {
  range(endpoint: string, key: Buffer, opts: { rangeEnd?: Buffer }): Promise<{ kvs: readonly { value: Buffer; modRevision: number }[] }>;
}

/** The plans as read, most recently updated first. */
export function plansOf(stored: readonly { value: StoredPlan; modRevision: number }[]): PlanView[] {
  return [...stored].sort((a, b) => b.modRevision - a.modRevision).map((x) => ({ ...x.value, updatedAtIndex: x.modRevision }));
}

/** Every plan of the registry under `prefix`, read from `endpoint`. */
export async function readPlans(source: EtcdRangeSource, endpoint: string, prefix: string): Promise<PlanView[]> {
  const key = Buffer.from(`${prefix}plans/`);
  const { kvs } = await source.range(endpoint, key, { rangeEnd: prefixEnd(key) });
  return plansOf(kvs.map((kv) => ({ value: JSON.parse(kv.value.toString()) as StoredPlan, modRevision: kv.modRevision })));
}
