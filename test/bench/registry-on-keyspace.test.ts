import { describe, expect, it } from 'vitest';
import { encodeEtcdRequest } from '../../src/core/etcd-store/replica.js';
import { KeyspaceSide, RegistrySide } from '../../bench/registry-on-keyspace/sides.js';
import { clusterName, finalShard, shardId, T0, workload, type WorkloadSize } from '../../bench/registry-on-keyspace/workload.js';

const SIZE: WorkloadSize = { clusters: 1_000, shards: 10, moves: 100 };

function loaded(): { registry: RegistrySide; keyspace: KeyspaceSide } {
  const registry = new RegistrySide();
  const keyspace = new KeyspaceSide();
  registry.load(workload(SIZE));
  keyspace.load(workload(SIZE));
  return { registry, keyspace };
}

describe('the registry on the keyspace (bench/registry-on-keyspace)', () => {
  it("answers every cluster's lookup as the registry does, after the load and after a restore from its image", () => {
    const { registry, keyspace } = loaded();
    for (const side of [registry, keyspace]) side.settle();
    const check = (): void => {
      for (let k = 0; k < SIZE.clusters; k++) {
        const want = registry.getCluster(clusterName(k))!;
        const got = keyspace.getCluster(clusterName(k))!;
        expect(want.shard).toBe(finalShard(SIZE, k));
        expect({ shard: got.shard, generation: got.generation, lastSeen: got.lastSeen }).toEqual({ shard: want.shard, generation: want.generation, lastSeen: want.lastSeen });
      }
      for (let s = 0; s < SIZE.shards; s++) expect(keyspace.registry.boundCount(shardId(s))).toBe(registry.machine.getShard(shardId(s))!.boundClusters);
      expect(keyspace.getCluster('cluster-none')).toBeUndefined();
    };
    check();
    registry.restore(registry.image());
    keyspace.restore(keyspace.image());
    check();
  });

  it("refuses as the registry's handlers do, and a decision made on a state that changed fails its compares", () => {
    const { registry, keyspace } = loaded();
    const r = keyspace.registry;
    const elsewhere = { type: 'cluster.contact', cluster: clusterName(5), shard: shardId(7) } as const;
    expect(r.decideContact(elsewhere, T0)).toMatchObject({ ok: false, code: 'ALREADY_BOUND' });
    expect(registry.machine.getCluster(clusterName(5))!.shard).not.toBe(shardId(7));

    const first = r.decideContact({ type: 'cluster.contact', cluster: 'new-a', shard: shardId(3) }, T0);
    const second = r.decideContact({ type: 'cluster.contact', cluster: 'new-b', shard: shardId(3) }, T0);
    r.write(second);
    // `first` counted the shard's clusters before `second` was applied: its count compare fails, nothing is written.
    if (!first.ok) throw new Error('first contact refused');
    const answer = r.applyEntry(encodeEtcdRequest(first.request));
    expect(answer.ok && answer.txn?.succeeded).toBe(false);
    expect(r.getCluster('new-a')).toBeUndefined();
  });
});
