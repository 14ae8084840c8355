/**
 * A follower's view of the leader's wall clock: the offset the stamp of each fresh registry entry
 * of the current term shows (etcd and application entries carry none), kept for status and said
 * in the log when it passes the bound. Nothing the registry decides depends on wall clocks any
 * more; what people read (stamps) and `cluster prune` do.
 */
import type { FleetStateMachine } from '../../fleet/index.js';
import type { Entry, Message } from '../../raft/index.js';
import type { FleetNode, NodeService } from '../fleet-node.js';

/** A follower whose wall clock differs from the leader's by more than this says so in its log. */
export const MAX_CLOCK_OFFSET_MS = 1_000;
const CLOCK_WARNING_EVERY_MS = 60_000;
/** How long a clock offset, once measured, is shown without fresh evidence: an idle cluster's old offset says nothing of now. */
const CLOCK_EVIDENCE_MS = 120_000;
/** Runs of fresh entries remembered at most: a follower applying far behind what it receives keeps the newest. */
const MAX_FRESH_RUNS = 64;

export class ClockWatch implements NodeService {
  /** The leader's wall clock minus ours, as the last entry of the current term showed it; when it was measured (monotonic). */
  private offsetMs: number | undefined;
  private measuredAt = 0;
  private lastWarning = -Infinity;
  /**
   * The runs of entries this follower received before they were committed, oldest first: entries
   * the leader had just made. Only such entries say anything of the leader's clock now; entries
   * received already committed (catching up) were stamped whenever they were made, even when the
   * same append carries new ones after them.
   */
  private readonly fresh: { from: number; to: number }[] = [];

  constructor(
    private readonly node: FleetNode,
    /** The wall time stamped in the last registry entry applied, and that entry's index. */
    private readonly lastStamp: () => FleetStateMachine['lastStamp'],
    /** The last index of the log this process recovered: entries up to it were stamped before it started. */
    private readonly recoveredLastIndex: number,
  ) {}

  stepped(m: Message): void {
    const newest = m.type === 'app' ? m.entries.at(-1)?.index : undefined;
    if (newest === undefined || newest <= m.commit) return;
    const run = { from: Math.max(m.commit, m.index) + 1, to: newest };
    const last = this.fresh.at(-1);
    if (last !== undefined && run.from <= last.to + 1 && run.to >= last.from - 1) {
      last.from = Math.min(last.from, run.from);
      last.to = Math.max(last.to, run.to);
    } else if (last === undefined || run.from > last.to) {
      this.fresh.push(run);
      if (this.fresh.length > MAX_FRESH_RUNS) this.fresh.shift();
    }
  }

  /** Whether entry `index` arrived before it was committed; forgets the runs before it (applied in order). */
  private arrivedFresh(index: number): boolean {
    while (this.fresh.length > 0 && this.fresh[0]!.to < index) this.fresh.shift();
    const run = this.fresh[0];
    return run !== undefined && run.from <= index;
  }

  /** Says so in the log when the leader's wall clock, stamped in the registry entry of its term just applied, is off from ours by more than the bound. */
  batchApplied(e: Entry | undefined): void {
    const stamp = this.lastStamp();
    const node = this.node;
    // Only an entry that carries the leader's wall time shows it: after etcd or application entries
    // (no stamp), the last registry entry's stamp is as old as they are long, not an offset.
    if (e === undefined || node.isLeader || stamp?.index !== e.index || e.term !== node.term) return;
    // Replayed at start: stamped before this process started, perhaps long before (the term is
    // still the old one until an election), so its age says nothing of the leader's clock.
    if (e.index <= this.recoveredLastIndex) return;
    // Catching up: the entry was committed before it reached us, so its stamp may be old.
    if (!this.arrivedFresh(e.index)) return;
    const offset = stamp.time - node.rt.wallNow();
    const now = node.rt.monoNow();
    this.offsetMs = offset;
    this.measuredAt = now;
    if (Math.abs(offset) <= MAX_CLOCK_OFFSET_MS || now - this.lastWarning < CLOCK_WARNING_EVERY_MS) return;
    this.lastWarning = now;
    const how = offset > 0 ? `${Math.round(offset)} ms ahead of this member's` : `${Math.round(-offset)} ms behind this member's (or this member is applying old entries)`;
    node.logger.warn(
      { leader: node.leaderId, offsetMs: Math.round(offset), boundMs: MAX_CLOCK_OFFSET_MS },
      `the leader's wall clock is ${how}, more than ${MAX_CLOCK_OFFSET_MS} ms: leases and sessions do not depend on it, but the times shown and cluster prune do; check NTP on both`,
    );
  }

  /**
   * The leader's wall clock minus this member's, in ms, as the last entry of the current term
   * applied here showed it (replication delay included); undefined on the leader or before any.
   */
  offset(): number | undefined {
    if (this.node.isLeader || this.node.rt.monoNow() - this.measuredAt > CLOCK_EVIDENCE_MS) return undefined;
    return this.offsetMs;
  }
}
