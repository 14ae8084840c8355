/**
 * What operators change through a member: the membership (one change at a time, optionally
 * conditional on the configuration they looked at) and the leadership (a transfer to a named
 * or the most caught-up voter).
 */
import { describeRaftError, type ConfChange, type RawNode } from '../raft/index.js';
import { NodeError } from './api.js';
import type { MemberList } from './member-list.js';
import type { NodeRuntime } from './runtime.js';

/** What the admin needs of its member. */
export interface AdminHost {
  readonly id: string;
  readonly raw: RawNode;
  readonly rt: NodeRuntime;
  readonly members: MemberList;
  readonly electionTimeoutMs: number;
  isLeader(): boolean;
  stopped(): boolean;
  appliedIndex(): number;
  schedule(): void;
  notLeader(): NodeError;
}

export class MemberAdmin {
  constructor(private readonly host: AdminHost) {}

  async transferLeadership(to?: string): Promise<{ from: string; to: string; tookMs: number }> {
    const h = this.host;
    if (h.raw.status().role !== 'leader') throw h.notLeader();
    const target = to ?? this.bestTransferTarget();
    if (!target) throw new NodeError('FAILED_PRECONDITION', 'no other voting member to transfer leadership to', { reason: 'no-transfer-target' });
    const t0 = h.rt.monoNow();
    const err = h.raw.transferLeader(target);
    if (err) throw new NodeError(err === 'invalid-transferee' ? 'INVALID_ARGUMENT' : 'FAILED_PRECONDITION', `cannot transfer to ${target}: ${describeRaftError(err)}`, { reason: err });
    h.schedule();
    await this.waitFor(() => !h.isLeader() || h.raw.status().transferee === '', h.electionTimeoutMs * 2);
    const leader = h.raw.status().leader;
    if (h.isLeader()) throw new NodeError('UNAVAILABLE', `leadership transfer to ${target} did not complete in time`, { reason: 'transfer-timeout' });
    return { from: h.id, to: leader || target, tookMs: h.rt.monoNow() - t0 };
  }

  /** The most caught-up voter this leader heard from recently, if any. */
  bestTransferTarget(): string | undefined {
    const st = this.host.raw.status();
    let best: string | undefined;
    let bestMatch = -1;
    for (const [id, p] of st.progress) {
      if (id === this.host.id || p.learner || !p.recentActive) continue;
      if (p.match > bestMatch) [best, bestMatch] = [id, p.match];
    }
    return best;
  }

  async addMember(id: string, address: string, learner: boolean, ifConfigIndex?: number): Promise<void> {
    // Two members at one address: the newcomer's peers reach the old member, which refuses them
    // (wrong id), and both log it for every message. Refused before anything is proposed.
    const conf = this.host.raw.status().conf;
    const holder = [...conf.voters, ...conf.learners].find((m) => m !== id && this.host.members.addressOf(m) === address);
    if (holder !== undefined) throw new NodeError('FAILED_PRECONDITION', `member ${holder} already uses the address ${address}: give ${id} its own host:port (or remove ${holder} first if ${id} replaces it)`, { reason: 'address-in-use' });
    const context = Buffer.from(JSON.stringify({ address }));
    await this.changeMembership({ type: learner ? 'add-learner' : 'add-voter', node: id, context }, ifConfigIndex);
  }

  async promoteMember(id: string, ifConfigIndex?: number): Promise<void> {
    const st = this.host.raw.status();
    if (!st.conf.learners.includes(id)) throw new NodeError('FAILED_PRECONDITION', `${id} is not a learner`, { reason: 'not-learner' });
    if (this.host.members.isReadReplica(id)) throw new NodeError('FAILED_PRECONDITION', `${id} is a read replica (started with --read-replica): it never votes; start a member without it to add a voter`, { reason: 'read-replica' });
    const p = st.progress.get(id);
    if (p && st.lastIndex - p.match > 1000) throw new NodeError('FAILED_PRECONDITION', `${id} trails the leader by ${st.lastIndex - p.match} entries; wait until it catches up`, { reason: 'learner-behind' });
    await this.changeMembership({ type: 'add-voter', node: id, context: Buffer.from(JSON.stringify({ address: this.host.members.addressOf(id) })) }, ifConfigIndex);
  }

  async removeMember(id: string, ifConfigIndex?: number): Promise<void> {
    await this.changeMembership({ type: 'remove', node: id }, ifConfigIndex);
  }

  /** With `ifConfigIndex`, refused (FAILED_PRECONDITION) unless the configuration in force is the one made at that index. */
  private async changeMembership(cc: ConfChange, ifConfigIndex?: number): Promise<void> {
    const h = this.host;
    const r = h.raw.proposeConfChange(cc, ifConfigIndex);
    if (!r.ok) {
      if (r.error === 'not-leader') throw h.notLeader();
      if (r.error === 'conf-changed') {
        const now = h.raw.status().confIndex;
        throw new NodeError('FAILED_PRECONDITION', `the membership changed since it was checked (configuration of index ${ifConfigIndex}, now ${now}): nothing was changed; look at fleet members list, then retry`, { reason: 'membership-changed' });
      }
      throw new NodeError('FAILED_PRECONDITION', describeRaftError(r.error), { reason: r.error });
    }
    h.schedule();
    await this.waitFor(() => h.appliedIndex() >= r.firstIndex, h.electionTimeoutMs * 5);
    if (h.appliedIndex() < r.firstIndex) throw new NodeError('TIMEOUT', 'the membership change was not committed in time; check `fleet members list`', { reason: 'not-committed' });
  }

  private waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    const rt = this.host.rt;
    return new Promise((resolve) => {
      const deadline = rt.monoNow() + timeoutMs;
      const check = () => {
        if (cond() || rt.monoNow() > deadline || this.host.stopped()) resolve();
        else rt.setTimeout(check, 5);
      };
      check();
    });
  }
}
