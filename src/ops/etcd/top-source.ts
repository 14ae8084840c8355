/**
 * What `fleet top` polls on an etcd cluster: the members' status model as `fleet status` builds
 * it (collectEtcdStatus), leadership moved with MoveLeader, and no fleet registry. The timeline
 * comes from comparing successive polls, as for fleet; etcd has no change stream top follows.
 */
import type { EtcdClient } from '../../client/etcd/index.js';
import { FleetClientError } from '../../client/errors.js';
import type { TopSource } from '../top/source.js';
import { moveEtcdLeader } from './admin.js';
import { collectEtcdStatus } from './status.js';

/** The sentence the registry panel shows for an etcd target. */
export const ETCD_NO_REGISTRY = 'no fleet registry: an etcd cluster is shown by its members alone';

/** A dashboard source over `client`, every call bounded by `timeoutMs`. */
export function etcdTopSource(client: EtcdClient, timeoutMs: number): TopSource {
  const notHere = (what: string) => () => Promise.reject(new FleetClientError('invalid', `${what} does not apply to an etcd cluster`));
  return {
    registryAbsent: ETCD_NO_REGISTRY,
    statusModel: () => collectEtcdStatus(client, timeoutMs),
    async transferLeader(to?: string) {
      if (to === undefined) throw new FleetClientError('invalid', 'name the member to hand leadership to');
      const model = await collectEtcdStatus(client, timeoutMs);
      const r = await moveEtcdLeader(client, model, to, Math.max(timeoutMs, 5_000));
      return { from: r.from, to: r.to, tookMs: r.tookMs };
    },
    takeSnapshot: () => Promise.reject(new FleetClientError('invalid', 'etcd takes its own snapshots; save a copy of its database with fleet snapshot save FILE')),
    statusAll: notHere('a fleet status probe'),
    listShards: notHere('the registry'),
    counts: notHere('the registry'),
    listPlans: notHere('the registry'),
    listClusters: notHere('the registry'),
  };
}
