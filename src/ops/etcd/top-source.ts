/**
 * What `fleet top` polls on an etcd cluster: the members' status model as `fleet status` builds
 * it (collectEtcdStatus), leadership moved with MoveLeader, and the fleet registry kept under the
 * context's prefix when there is one (the same panel as on fleet's members). The timeline comes
 * from comparing successive polls, as for fleet; etcd has no change stream top follows.
 */
import type { EtcdClient } from '../../client/etcd/index.js';
import type { EtcdRegistry } from '../../client/etcd/registry/registry.js';
import { FleetClientError } from '../../client/errors.js';
import type { ListClustersOptions } from '../../client/types.js';
import type { TopSource } from '../top/source.js';
import { EtcdEngine } from '../../client/etcd/engine.js';
import { collectEtcdStatus } from './status.js';

/** The sentence the registry panel shows for an etcd target that keeps no fleet registry. */
export const ETCD_NO_REGISTRY = 'no fleet registry: an etcd cluster is shown by its members alone';

/** The same, naming the prefix that was looked under. */
export function etcdNoRegistry(prefix: string): string {
  return `${ETCD_NO_REGISTRY} (nothing under ${prefix})`;
}

/**
 * A dashboard source over `client`, every call bounded by `timeoutMs`. With `registry` (the
 * registry on this cluster, see `etcdRegistryIfKept`), the registry panel reads it; without, it
 * says there is none.
 */
export function etcdTopSource(client: EtcdClient, timeoutMs: number, registry?: { readonly store: EtcdRegistry } | { readonly absent: string }): TopSource {
  const notHere = (what: string) => () => Promise.reject(new FleetClientError('invalid', `${what} does not apply to an etcd cluster`));
  const kept = registry !== undefined && 'store' in registry ? registry.store : undefined;
  const registryReads = kept === undefined
    ? { registryAbsent: registry !== undefined && 'absent' in registry ? registry.absent : ETCD_NO_REGISTRY, listShards: notHere('the registry'), counts: notHere('the registry'), listPlans: notHere('the registry'), listClusters: notHere('the registry') }
    : { listShards: () => kept.listShards(), counts: () => kept.registryCounts(), listPlans: () => kept.listPlans(), listClusters: (opts?: ListClustersOptions) => kept.listClusters(opts) };
  return {
    ...registryReads,
    statusModel: () => collectEtcdStatus(client, timeoutMs),
    async transferLeader(to?: string) {
      if (to === undefined) throw new FleetClientError('invalid', 'name the member to hand leadership to');
      // The same MoveLeader as `fleet leader transfer`; top's next poll shows the new leader.
      return new EtcdEngine(client, timeoutMs).transferLeader(to);
    },
    takeSnapshot: () => Promise.reject(new FleetClientError('invalid', 'etcd takes its own snapshots; save a copy of its database with fleet snapshot save FILE')),
    statusAll: notHere('a fleet status probe'),
  };
}

/** The registry under `registry.prefix` if anything is kept there, else why the panel is empty. */
export async function etcdRegistryIfKept(registry: EtcdRegistry): Promise<{ readonly store: EtcdRegistry } | { readonly absent: string }> {
  return (await registry.holdsRegistry()) ? { store: registry } : { absent: etcdNoRegistry(registry.prefix) };
}
