/**
 * ClockWatch (services/clock-watch.ts) driven alone: a follower stand-in whose clocks the test
 * moves is sent entries as the leader sends them (`stepped`) and applies them (`batchApplied`).
 * What it promises: the offset is measured only from a fresh registry entry of the current term
 * (etcd and application entries carry no stamp, issue 59), a warning past the bound is said at
 * most once a minute, and an old measurement is not shown as the present offset.
 */
import { describe, expect, it } from 'vitest';
import type { EntryStamp } from '../../../../src/core/fleet/state-machine.js';
import type { FleetNode } from '../../../../src/core/node/fleet-node.js';
import { ClockWatch, MAX_CLOCK_OFFSET_MS } from '../../../../src/core/node/services/clock-watch.js';
import type { Entry } from '../../../../src/core/raft/types.js';
import { fakeRuntime, recordingLogger } from '../fake-runtime.js';

const TERM = 3;

/** Follower n2 of leader n1 in term 3; the log it recovered ends at `recoveredLastIndex`. */
function follower(recoveredLastIndex = 0) {
  const f = fakeRuntime();
  const logger = recordingLogger();
  const node = { isLeader: false, term: TERM, leaderId: 'n1', logger, rt: f.rt };
  let stamp: EntryStamp | undefined;
  const watch = new ClockWatch(node as unknown as FleetNode, () => stamp, recoveredLastIndex);
  const entry = (index: number, term = TERM): Entry => ({ term, index, type: 'normal', data: new Uint8Array(0) });
  return {
    f,
    node,
    watch,
    /** The warnings said about the leader's clock. */
    warnings: () => logger.lines.filter((l) => l.level === 'warn' && l.msg.includes('wall clock')),
    /** n1 sends entry `index`, committed up to `commit` (below `index`: the entry is fresh). */
    receive: (index: number, commit = index - 1) => watch.stepped({ type: 'app', from: 'n1', to: 'n2', term: TERM, logTerm: TERM, index: index - 1, entries: [entry(index)], commit, reject: false, rejectHint: 0 }),
    /** Entry `index` is applied as the batch's last: a registry entry stamped `time`, or, without `time`, an etcd write (no stamp: the last one stays). */
    apply: (index: number, time?: number, term = TERM) => {
      if (time !== undefined) stamp = { index, time };
      watch.batchApplied(entry(index, term));
    },
  };
}

describe('ClockWatch', () => {
  it("measures a fresh registry entry's stamp against this member's wall clock and warns past the bound, saying which way", () => {
    const { f, watch, warnings, receive, apply } = follower();
    receive(4);
    apply(4, f.rt.wallNow() + 5_000);
    expect(watch.offset()).toBe(5_000);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toMatch(/^the leader's wall clock is 5000 ms ahead of this member's, more than 1000 ms/);
    expect(warnings()[0]!.obj).toEqual({ leader: 'n1', offsetMs: 5_000, boundMs: MAX_CLOCK_OFFSET_MS });

    f.advance(60_000);
    receive(5);
    apply(5, f.rt.wallNow() - 3_000);
    expect(watch.offset()).toBe(-3_000);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]!.msg).toMatch(/^the leader's wall clock is 3000 ms behind this member's \(or this member is applying old entries\)/);
  });

  it('measures an offset within the bound without a warning (the bound itself included)', () => {
    const { f, watch, warnings, receive, apply } = follower();
    receive(4);
    apply(4, f.rt.wallNow() - 800);
    expect(watch.offset()).toBe(-800);
    receive(5);
    apply(5, f.rt.wallNow() + MAX_CLOCK_OFFSET_MS);
    expect(watch.offset()).toBe(MAX_CLOCK_OFFSET_MS);
    expect(warnings()).toEqual([]);
    receive(6);
    apply(6, f.rt.wallNow() + MAX_CLOCK_OFFSET_MS + 1);
    expect(warnings()).toHaveLength(1);
  });

  it('takes no offset from an etcd write that carries no stamp, however old the last registry stamp (issue 59)', () => {
    const { f, watch, warnings, receive, apply } = follower();
    receive(4);
    apply(4, f.rt.wallNow());
    expect(watch.offset()).toBe(0);
    // Both clocks move on together, 650,516 ms of etcd writes: on one host the clocks agree.
    for (let i = 5; i < 15; i++) {
      f.advance(65_051.6);
      receive(i);
      apply(i);
    }
    // Before the fix: "the leader's wall clock is 650516 ms behind this member's".
    expect(warnings()).toEqual([]);
    // The one measurement is older than the evidence window: no offset is shown, least of all -650516.
    expect(watch.offset()).toBeUndefined();
    // A batch with no normal entry (conf changes only) says nothing either.
    watch.batchApplied(undefined);
    expect(warnings()).toEqual([]);
  });

  it('warns at most once a minute while the offset stays past the bound, and measures every entry meanwhile', () => {
    const { f, watch, warnings, receive, apply } = follower();
    for (let i = 4; i < 10; i++) {
      receive(i);
      apply(i, f.rt.wallNow() + 2_000 + i);
      f.advance(10_000);
    }
    expect(warnings()).toHaveLength(1);
    expect(watch.offset()).toBe(2_009);
    // 60 s after the first warning (made at monotonic 0), the next says it again.
    expect(f.rt.monoNow()).toBe(60_000);
    receive(10);
    apply(10, f.rt.wallNow() + 2_010);
    expect(warnings()).toHaveLength(2);
  });

  it('measures nothing from an entry received already committed, replayed at start, of an older term, or on the leader', () => {
    // Catching up: the entry was committed before it reached this member, its stamp may be old.
    const caughtUp = follower();
    caughtUp.receive(4, 4);
    caughtUp.apply(4, caughtUp.f.rt.wallNow() - 600_000);
    // Never sent at all (an entry applied from a snapshot's log or a leader's retransmit beyond the fresh one).
    caughtUp.apply(5, caughtUp.f.rt.wallNow() - 600_000);
    expect(caughtUp.watch.offset()).toBeUndefined();
    expect(caughtUp.warnings()).toEqual([]);

    // Replayed at start: entries up to 10 were in the log this process recovered.
    const restarted = follower(10);
    restarted.receive(10);
    restarted.apply(10, restarted.f.rt.wallNow() - 600_000);
    expect(restarted.watch.offset()).toBeUndefined();
    expect(restarted.warnings()).toEqual([]);

    // Stamped by an earlier term's leader.
    const oldTerm = follower();
    oldTerm.receive(4);
    oldTerm.apply(4, oldTerm.f.rt.wallNow() - 600_000, TERM - 1);
    expect(oldTerm.watch.offset()).toBeUndefined();
    expect(oldTerm.warnings()).toEqual([]);

    // The leader compares no clock with its own.
    const leader = follower();
    leader.node.isLeader = true;
    leader.receive(4);
    leader.apply(4, leader.f.rt.wallNow() - 600_000);
    expect(leader.watch.offset()).toBeUndefined();
    expect(leader.warnings()).toEqual([]);
  });

  it('shows an offset for 120 s after it was measured, and none on a member that has become leader', () => {
    const { f, node, watch, receive, apply } = follower();
    receive(4);
    apply(4, f.rt.wallNow() + 300);
    f.advance(120_000);
    expect(watch.offset()).toBe(300);
    f.advance(1);
    expect(watch.offset()).toBeUndefined();
    receive(5);
    apply(5, f.rt.wallNow() + 300);
    expect(watch.offset()).toBe(300);
    node.isLeader = true;
    expect(watch.offset()).toBeUndefined();
  });
});
