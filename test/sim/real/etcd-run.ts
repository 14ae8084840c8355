/**
 * The etcd keyspace in a real-node run (`--etcd`): its clients and watchers (etcd-clients.ts) on
 * the run's members, driven beside the registry's clients through the same phases — faults,
 * liveness, final reads — and then the watchers settled and the checks that need the whole run:
 * the register history's linearizability and every watcher's events against the store's history.
 */
import { Prng } from '../prng.js';
import { SafetyViolation } from '../violation.js';
import type { RealCluster } from './cluster.js';
import { EtcdClients, type EtcdStats } from './etcd-clients.js';
import { STEP_MS } from './plan.js';
import { US_PER_MS } from './scheduler.js';

/** Simulated time the watchers have, once the final reads are done, to confirm they received everything. */
const SETTLE_MS = 10_000;
/** The workload's own seed stream: apart from every stream of the cluster's (which forks `new Prng(seed)`). */
const STREAM = 0x5e7cd;

/** What a run with the keyspace in its workload reports of it. */
export interface EtcdRunReport {
  readonly stats: EtcdStats;
  readonly linearizable: 'yes' | 'no' | 'unknown' | 'not checked';
  /** The final revision every watcher was checked up to. */
  readonly revision: number;
}

/** The keyspace's workload of one run. */
export class EtcdRun {
  readonly clients: EtcdClients;
  private revision = 0;
  private linearizable: EtcdRunReport['linearizable'] = 'not checked';

  constructor(
    private readonly cluster: RealCluster,
    seed: number,
  ) {
    const prng = new Prng(seed).fork();
    const own = new Prng((prng.nextU32() ^ STREAM) >>> 0);
    const target = {
      memberIds: cluster.memberIds,
      member: (id: string) => {
        const m = cluster.members.find((x) => x.id === id);
        return m?.up === true && m.node !== undefined && (m.incarnation?.stalledUntil ?? 0) <= cluster.scheduler.now ? m.node : undefined;
      },
      leaderId: () => cluster.leader()?.id,
    };
    const settings = { clients: own.between(2, 4), watchers: own.between(2, 4), rate: own.logUniform(0.2, 0.8), keys: own.between(2, 4) };
    this.clients = new EtcdClients(cluster.scheduler, own, settings, target, cluster.digest);
  }

  /** Before each step of the cluster. */
  step(): void {
    this.clients.step();
  }

  /** After each step of the cluster. */
  afterStep(): void {
    this.clients.throwIfViolated();
  }

  /** Once the final reads are done: the watchers confirm they have everything, then the whole-run checks. */
  async finish(): Promise<void> {
    const leader = this.cluster.leader()?.node;
    if (leader === undefined) throw new SafetyViolation('liveness', 'no leader after the final reads');
    this.revision = leader.etcdStore().revision;
    const start = this.cluster.scheduler.now / US_PER_MS;
    while (!this.clients.watchersSettled(this.revision)) {
      if (this.cluster.scheduler.now / US_PER_MS - start >= SETTLE_MS) {
        throw new SafetyViolation('liveness', `watchers did not receive everything up to revision ${this.revision} in ${SETTLE_MS} ms: ${this.clients.describeUnsettled(this.revision).join('; ')}`);
      }
      this.clients.step();
      await this.cluster.step(false, STEP_MS);
      this.clients.throwIfViolated();
    }
    const now = this.cluster.leader()?.node ?? leader;
    this.clients.checkWatchers(now, this.revision);
    this.clients.throwIfViolated();
    const verdict = this.clients.checkHistory();
    this.linearizable = verdict.ok === true ? 'yes' : verdict.ok === false ? 'no' : 'unknown';
    if (verdict.ok === false) throw new SafetyViolation('linearizability', `etcd keyspace: ${verdict.message}`);
  }

  report(): EtcdRunReport {
    return { stats: this.clients.stats, linearizable: this.linearizable, revision: this.revision };
  }
}

/** The keyspace's part of a run's summary line. */
export function etcdSummary(r: EtcdRunReport): string {
  const s = r.stats;
  return (
    `etcd[ops ok=${s.ok} fail=${s.fail} info=${s.info} txn=${s.txns.succeeded}+${s.txns.failed}failed reads lin=${s.reads.linearizable} ser=${s.reads.serializable} ` +
    `leases granted=${s.leases.granted} revoked=${s.leases.revoked} kept=${s.leases.keptAlive} gone=${s.leases.expired} ` +
    `watch events=${s.watch.events} reconnects=${s.watch.reconnects} leader-moves=${s.watch.leaderChanges} rev=${r.revision} linearizable=${r.linearizable}]`
  );
}
