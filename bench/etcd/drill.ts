/**
 * fleet's kill-leader drill, pointed at an etcd cluster this harness started: the product's
 * etcd probe and workload clients (src/ops/drill/etcd-connect.ts), and faults by signals to the
 * harness's own processes (it has no manifest, so the product's local injector cannot find them).
 */
import type { DrillDeps, FaultAction, FaultInjector, MemberRef } from '../../src/ops/drill/index.js';
import { etcdClusterProbe, etcdWorkloadClients } from '../../src/ops/drill/etcd-connect.js';
import type { EtcdCluster } from './cluster.js';

/** Connects the drill engine to a local etcd cluster; `close()` ends every channel. */
export async function etcdDrillDeps(cluster: EtcdCluster, opTimeoutMs: number): Promise<DrillDeps & { close(): void }> {
  const target = { endpoints: cluster.endpoints };
  const probe = await etcdClusterProbe(target);
  const workload = etcdWorkloadClients(target, opTimeoutMs);
  return {
    probe,
    injector: new EtcdProcessInjector(cluster),
    newClient: (prefix) => workload.newClient(prefix),
    close: () => {
      probe.close();
      workload.close();
    },
  };
}

/** Faults by signals to the etcd processes of an EtcdCluster (never any other process). */
class EtcdProcessInjector implements FaultInjector {
  readonly kind = 'etcd-local';
  readonly #paused = new Map<string, NodeJS.Timeout>();

  constructor(readonly cluster: EtcdCluster) {}

  can(action: FaultAction): boolean {
    return action === 'kill' || action === 'pause' || action === 'stop' || action === 'restart';
  }

  kill(member: MemberRef): Promise<void> {
    return this.cluster.kill(member.id);
  }

  async pause(member: MemberRef, ms: number): Promise<void> {
    this.cluster.signal(member.id, 'SIGSTOP');
    // A pause ends by itself even if the drill forgets it.
    this.#paused.set(member.id, setTimeout(() => void this.resume(member), ms));
  }

  async resume(member: MemberRef): Promise<void> {
    clearTimeout(this.#paused.get(member.id));
    this.#paused.delete(member.id);
    this.cluster.signal(member.id, 'SIGCONT');
  }

  async partition(): Promise<void> {
    throw new Error('etcd members cannot be partitioned by this harness');
  }

  async delay(): Promise<void> {
    throw new Error('etcd members cannot have their links delayed by this harness');
  }

  async skewClock(): Promise<void> {
    throw new Error('etcd members cannot have their clocks skewed by this harness');
  }

  async stallDisk(): Promise<void> {
    throw new Error('etcd members cannot have their disks stalled by this harness');
  }

  async heal(): Promise<void> {}

  stop(member: MemberRef): Promise<void> {
    return this.cluster.kill(member.id, 'SIGTERM');
  }

  async restart(member: MemberRef): Promise<void> {
    this.cluster.restart(member.id);
  }

  async restoreAll(): Promise<void> {
    for (const id of [...this.#paused.keys()]) await this.resume({ id, address: '' });
  }

  async prepare(members: readonly MemberRef[]): Promise<void> {
    const pids = this.cluster.pids();
    const missing = members.filter((m) => !pids.has(m.id));
    if (missing.length > 0) throw new Error(`no etcd process for ${missing.map((m) => m.id).join(', ')}`);
  }
}
