/**
 * The leader's lease timers, for the registry's leases (lease-keeper.ts) and the etcd keyspace's:
 * when one runs out, the leader proposes its expiry. They start only once the leader has applied
 * an entry of its own term, so that it has every grant and renewal committed before it led.
 */
import { encodeCommand, type FleetStateMachine } from '../../fleet/index.js';
import type { EtcdRequest } from '../../etcd-store/replica.js';
import type { MvccStore } from '../../etcd-store/mvcc.js';
import type { FleetNode, NodeService } from '../fleet-node.js';
import { ETCD_LEASE_DRIFT, LEASE_MAX_DRIFT, type EtcdLeaseClock } from '../lease-clock.js';
import { LeaseKeeper } from '../lease-keeper.js';

/** At most this many lease expiries are proposed per tick. */
const LEASE_EXPIRIES_PER_TICK = 1024;

/** What the timers read of the member's state. */
export interface LeaseState {
  registry(): FleetStateMachine;
  etcd(): MvccStore;
  /** The clock the leader stamps etcd lease entries with (lease-clock.ts). */
  readonly etcdClock: EtcdLeaseClock;
  /** An etcd write as the log entry this member proposes (its form is the cluster's choice). */
  etcdEntry(req: EtcdRequest): Uint8Array;
  /** The registry age now (stamped into the expiry entries). */
  ageNow(): number;
}

export class LeaseExpiry implements NodeService {
  private readonly keeper: LeaseKeeper;
  private keeperTerm = 0;
  /** The index of the leader's last proposed etcd lease expiry: none other is proposed until it is applied. */
  private etcdExpiringAt = 0;
  /** The index of the leader's last proposed renewals of leases stamped ahead of its clock: likewise one batch in flight. */
  private etcdRestampingAt = 0;

  constructor(
    private readonly node: FleetNode,
    private readonly state: LeaseState,
    private readonly electionTimeoutMs: number,
  ) {
    this.keeper = new LeaseKeeper({ maxDrift: LEASE_MAX_DRIFT, graceMs: electionTimeoutMs, retryMs: 2 * electionTimeoutMs });
  }

  tick(): void {
    if (!this.node.isLeader || this.node.stopped) return;
    const term = this.node.term;
    if (this.node.appliedTerm !== term) return;
    this.expireRegistryLeases(term);
    this.expireEtcdLeases(term);
  }

  roleChanged(was: { role: string }, now: { role: string }): void {
    if (was.role !== 'leader' || now.role === 'leader') return;
    this.keeper.reset();
    this.state.etcd().forgetKeepAlives();
  }

  stateReplaced(): void {
    this.keeper.reset();
  }

  private expireRegistryLeases(term: number): void {
    if (this.keeperTerm !== term) {
      this.keeper.reset();
      this.keeperTerm = term;
    }
    const sm = this.state.registry();
    const due = this.keeper.due(this.node.rt.monoNow(), sm.leaseVersion, () => sm.liveLeases(), LEASE_EXPIRIES_PER_TICK);
    if (due.length === 0) return;
    const time = this.node.rt.wallNow();
    const age = this.state.ageNow();
    const r = this.node.proposeEntries(due.map((g) => encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time, age, op: { type: 'lease.expire', ...g } })));
    // A refused proposal (leadership just lost) is retried by the keeper, or by the next leader's own timers.
    if (!r.ok) this.node.logger.debug({ leases: due.length, error: r.error }, 'could not propose lease expiries');
  }

  /**
   * etcd leases past their time by the leader's lease clock, and a whole TTL after this leader began
   * to look at them (EtcdLeaseClock.look), as etcd's lessor: one proposal in flight.
   *
   * No grace beyond the clocks' drift. Every stamp of this term is this leader's lease clock, read
   * when it proposed the grant or renewal, so after the client sent it; an earlier leader's stamps
   * are covered by the whole TTL from `leaderSince`, which comes after every renewal this leader
   * applied. TTLs stretch by twice the drift: the client's clock may run slow as the leader's runs
   * fast. An election timeout's grace here had kept each lease a second past its TTL: Election
   * takeovers 1.48× etcd's, Patroni's failover a second later (BENCHMARKS.md, "library").
   */
  private expireEtcdLeases(term: number): void {
    const store = this.state.etcd();
    if (store.leaseCount === 0) return;
    const clock = this.state.etcdClock;
    // The first look in a term, not the election: later, so leases only live longer. Leases granted
    // later in the term (none existed at the first look) are stamped by this leader's clock alone.
    const { now: at, since } = clock.look(term);
    this.restampEtcdLeases(store, at);
    if (this.node.appliedIndex < this.etcdExpiringAt) return;
    const ids = store.expiredLeases(at, since, LEASE_EXPIRIES_PER_TICK, ETCD_LEASE_DRIFT);
    if (ids.length === 0) return;
    const r = this.node.proposeEntries([this.state.etcdEntry({ at, op: { type: 'lease-expire', ids } })]);
    if (r.ok) this.etcdExpiringAt = r.firstIndex;
  }

  /**
   * Renews, stamped now, the leases an earlier leader stamped more than an election timeout ahead
   * of this leader's clock (its wall clock ran ahead): otherwise each would outlive its TTL by the
   * clocks' difference. etcd's new leader gives every lease a whole TTL from its own clock.
   */
  private restampEtcdLeases(store: MvccStore, at: number): void {
    if (this.node.appliedIndex < this.etcdRestampingAt) return;
    const ids = store.leasesStampedAfter(at + this.electionTimeoutMs).slice(0, LEASE_EXPIRIES_PER_TICK);
    if (ids.length === 0) return;
    const r = this.node.proposeEntries(ids.map((id) => this.state.etcdEntry({ at, op: { type: 'lease-renew', id } })));
    if (r.ok) this.etcdRestampingAt = r.firstIndex + ids.length - 1;
  }
}
