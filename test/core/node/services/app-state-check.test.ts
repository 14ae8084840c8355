/**
 * AppStateCheck (services/app-state-check.ts) driven alone, on a leader stand-in and a follower
 * stand-in that each host an application: both hash their state at every checkpoint, only the
 * leader proposes its hash, and the follower that applies the leader's check compares it with
 * the hash it took at the same index (app-machine.ts): a differing state is a divergence there.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppReplica, decodeAppEntry, encodeAppCommand, type StateMachine } from '../../../../src/core/node/state/app-machine.js';
import type { FleetNode } from '../../../../src/core/node/fleet-node.js';
import { AppStateCheck } from '../../../../src/core/node/services/app-state-check.js';
import type { Entry } from '../../../../src/core/raft/types.js';

/** An application that keeps the items it was sent, in order. */
class Items implements StateMachine {
  items: string[] = [];
  apply(c: { payload: Uint8Array }): number {
    return this.items.push(Buffer.from(c.payload).toString());
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(image: Uint8Array): void {
    this.items = image.length === 0 ? [] : (JSON.parse(Buffer.from(image).toString()) as string[]);
  }
}

/** A member hosting the application, hashing every `checkEvery` entries; it records what it proposes. */
function member(isLeader: boolean, checkEvery = 2) {
  const node = { isLeader, stopped: false, proposed: [] as Uint8Array[], proposeEntries: (data: readonly Uint8Array[]) => (node.proposed.push(...data), { ok: true, firstIndex: 0 }) };
  const app = new AppReplica(new Items(), checkEvery);
  const check = new AppStateCheck(node as unknown as FleetNode, app);
  /** Applies entry `index` (an application command or a state check) and tells the service, as FleetNode does. */
  const apply = (index: number, data: Uint8Array): void => {
    app.apply(data, { index, term: 1 });
    const e: Entry = { term: 1, index, type: 'normal', data };
    check.entryApplied(e);
  };
  return { node, app, apply, item: (index: number, item: string) => apply(index, encodeAppCommand('add', Buffer.from(item))) };
}

/** The indexes the state checks proposed by `node` are of. */
const checkedIndexes = (proposed: readonly Uint8Array[]) => proposed.map((d) => decodeAppEntry(d)).map((e) => (e.kind === 'check' ? e.index : -1));

describe('AppStateCheck', () => {
  it('has the leader propose its hash at every checkpoint index, and only there; a follower proposes nothing', () => {
    const leader = member(true);
    const follower = member(false);
    for (let i = 1; i <= 5; i++) {
      leader.item(i, `x${i}`);
      follower.item(i, `x${i}`);
    }
    expect(checkedIndexes(leader.node.proposed)).toEqual([2, 4]);
    expect(follower.node.proposed).toEqual([]);
    const [check] = leader.node.proposed.map((d) => decodeAppEntry(d));
    // The hash of the state as applied at 2 (the default: SHA-256 of the application's snapshot).
    expect(check).toEqual({ kind: 'check', index: 2, hash: createHash('sha256').update(JSON.stringify(['x1', 'x2'])).digest() });
  });

  it("reports no fault on a follower whose state matches the leader's at the checked index", () => {
    const leader = member(true);
    const follower = member(false);
    for (let i = 1; i <= 4; i++) {
      leader.item(i, `x${i}`);
      follower.item(i, `x${i}`);
    }
    // The leader's checks are committed after entry 4, at 5 and 6, and applied by both.
    for (const [i, data] of leader.node.proposed.entries()) {
      follower.apply(5 + i, data);
      leader.apply(5 + i, data);
    }
    expect(follower.app.fault).toBeUndefined();
    expect(leader.app.fault).toBeUndefined();
  });

  it("reports a follower whose state differs from the leader's as diverged at the checked index, not where it noticed", () => {
    const leader = member(true);
    const follower = member(false);
    for (let i = 1; i <= 3; i++) {
      leader.item(i, `x${i}`);
      follower.item(i, `x${i}`);
    }
    // A non-deterministic apply: entry 4 leaves different states on the two members.
    leader.item(4, 'x4');
    follower.item(4, 'y4');
    // Checks of 2 (agreeing) and 4 (not), applied at 5 and 6.
    expect(checkedIndexes(leader.node.proposed)).toEqual([2, 4]);
    follower.apply(5, leader.node.proposed[0]!);
    expect(follower.app.fault).toBeUndefined();
    follower.apply(6, leader.node.proposed[1]!);
    expect(follower.app.fault).toMatchObject({ code: 'DIVERGED', index: 4 });
    expect(follower.app.fault?.message).toMatch(/^the application's state here differs from the leader's at index 4 /);
  });

  it('proposes nothing once the leader has stopped, nor without a check interval; a follower still hashes for the check to come', () => {
    const stopped = member(true);
    stopped.node.stopped = true;
    stopped.item(1, 'a');
    stopped.item(2, 'b');
    expect(stopped.node.proposed).toEqual([]);

    const never = member(true, 0);
    for (let i = 1; i <= 4; i++) never.item(i, `x${i}`);
    expect(never.node.proposed).toEqual([]);

    // The follower's own hash at 2 is what makes the leader's check of 2 comparable at all.
    const leader = member(true);
    const follower = member(false);
    leader.item(1, 'a');
    leader.item(2, 'b');
    follower.item(1, 'a');
    follower.item(2, 'B');
    follower.apply(3, leader.node.proposed[0]!);
    expect(follower.app.fault).toMatchObject({ code: 'DIVERGED', index: 2 });
  });
});
