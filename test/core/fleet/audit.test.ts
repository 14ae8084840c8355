import { describe, expect, it } from 'vitest';
import { FleetStateMachine, LIMITS, encodeCommand, type Actor, type AuditEntry, type Command } from '../../../src/core/fleet/index.js';
import { T0 } from './harness.js';
import { ByteWriter } from '../../../src/core/fleet/byte-io.js';

/** An audit section as version 3 wrote it: tag 11, its length, and every entry. */
function encodeAuditSection(entries: readonly AuditEntry[]): Buffer {
  const w = new ByteWriter(1024);
  w.u8(11);
  const at = w.length;
  w.u32(0);
  w.varuint(entries.length);
  for (const e of entries) {
    w.varuint(e.index);
    w.varuint(e.time);
    for (const text of [e.who, e.client, e.op, e.args, e.outcome]) w.string(text);
  }
  w.patchU32(at, w.length - at - 4);
  return Buffer.from(w.finish());
}

/** The bytes of a version 4 image's two audit sections (the last two), from their length fields. */
function v4Tail(sm: FleetStateMachine): number {
  const bytes = Buffer.from(sm.snapshot());
  // Walk the sections from the start: tag u8, length u32le.
  let at = 1;
  const starts: number[] = [];
  while (at < bytes.length) {
    starts.push(at);
    at += 5 + bytes.readUInt32LE(at + 1);
  }
  return bytes.length - starts.at(-2)!;
}

const OPS: Actor = { token: 'ops-team', client: 'alice@laptop' };

/** A state machine fed envelopes stamped with who sent them. */
function machine() {
  const sm = new FleetStateMachine();
  let index = 0;
  let seq = 0;
  const run = (op: Command | Record<string, unknown>, by: Actor | null = OPS, clientId = 'c1') =>
    sm.apply(++index, encodeCommand({ clientId, seq: clientId === '' ? 0 : ++seq, firstIncomplete: 0, time: T0 + index, ...(by ? { by } : {}), op: op as Command }));
  return { sm, run };
}

describe('the audit log', () => {
  it('records each registry write with who, when, what and the outcome, and never a KV value', () => {
    const { sm, run } = machine();
    run({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1 });
    run({ type: 'kv.put', key: 'db/password', value: 'hunter2-super-secret' });
    run({ type: 'kv.cas', key: 'db/password', expected: 'wrong-guess', value: 'next-secret' });
    run({ type: 'cluster.rebind', cluster: 'nope', from: null, to: 's1' });
    const log = sm.auditEntries();
    expect(log.map((e) => [e.index, e.op, e.who, e.client, e.time])).toEqual([
      [1, 'shard.register', 'ops-team', 'alice@laptop', T0 + 1],
      [2, 'kv.put', 'ops-team', 'alice@laptop', T0 + 2],
      [3, 'kv.cas', 'ops-team', 'alice@laptop', T0 + 3],
      [4, 'cluster.rebind', 'ops-team', 'alice@laptop', T0 + 4],
    ]);
    expect(log[0]!.outcome).toBe('ok');
    expect(JSON.parse(log[1]!.args)).toEqual({ key: 'db/password', ns: '', value: '<20 bytes>' });
    expect(log[2]!.outcome).toMatch(/^CAS_FAILED: /);
    expect(log[3]!.outcome).toMatch(/^NOT_FOUND: cluster "nope"/);
    const text = JSON.stringify(log);
    for (const secret of ['hunter2', 'wrong-guess', 'next-secret']) expect(text).not.toContain(secret);
  });

  it('records a change made outside the registry (audit.record), only when a member proposes it', () => {
    const { sm, run } = machine();
    const forged = run({ type: 'audit.record', op: 'members.add', args: {}, outcome: 'ok' });
    expect(forged.ok).toBe(false);
    run({ type: 'audit.record', op: 'members.add', args: { id: 'n4', address: '10.0.0.4:7781', learner: true }, outcome: 'ok' }, OPS, '');
    const log = sm.auditEntries();
    expect(log.map((e) => [e.op, e.outcome])).toEqual([
      ['audit.record', 'INVALID_ARGUMENT: audit.record is proposed by a member only'],
      ['members.add', 'ok'],
    ]);
    expect(JSON.parse(log[1]!.args)).toEqual({ id: 'n4', address: '10.0.0.4:7781', learner: true });
  });

  it('leaves out internal entries, heartbeats and renewals, and a retried write is recorded once', () => {
    const { sm, run } = machine();
    run({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1 }, null, '');
    run({ type: 'shard.heartbeat', id: 's1' });
    const put = encodeCommand({ clientId: 'retry', seq: 1, firstIncomplete: 0, time: T0, by: OPS, op: { type: 'kv.put', key: 'k', value: 'v' } });
    sm.apply(3, put);
    sm.apply(4, put);
    expect(sm.auditEntries().map((e) => [e.index, e.op])).toEqual([[3, 'kv.put']]);
  });

  it('keeps the last entries only, and keeps them across a snapshot', () => {
    const { sm, run } = machine();
    const n = LIMITS.maxAuditEntries + 5;
    for (let i = 0; i < n; i++) run({ type: 'kv.put', key: `k${i % 10}`, value: 'v' });
    const log = sm.auditEntries();
    expect(log).toHaveLength(LIMITS.maxAuditEntries);
    expect(log[0]!.index).toBe(6);
    expect(log.at(-1)!.index).toBe(n);
    const restored = FleetStateMachine.restore(sm.snapshot());
    expect(restored.auditEntries()).toEqual(log);
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(sm.snapshot()))).toBe(true);
  });

  it('keeps admin and membership entries apart: they survive 100,000 client writes, and a snapshot', () => {
    const { sm, run } = machine();
    const ADMIN: Actor = { token: 'admin-token', client: 'root@ops-1' };
    run({ type: 'audit.record', op: 'members.add', args: { id: 'n4', address: '10.0.0.4:7781', learner: true }, outcome: 'ok' }, ADMIN, '');
    run({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1 }, ADMIN);
    run({ type: 'cluster.prune', notSeenSinceMs: 60_000 }, ADMIN);
    run({ type: 'shard.remove', id: 's1', force: true }, ADMIN);
    run({ type: 'plan.progress', planId: 'p1', startedBy: 'root@ops-1', done: 1, total: 2, state: 'running' }, ADMIN);
    const adminOps = ['members.add', 'cluster.prune', 'shard.remove', 'plan.progress'];
    // A client floods the log (as the attacker did with 10,000 writes, ten times over).
    // Each write acknowledges the ones before it, as a client's session does.
    for (let i = 1; i <= 100_000; i++) sm.apply(5 + i, encodeCommand({ clientId: 'flood', seq: i, firstIncomplete: i, time: T0 + 5 + i, by: OPS, op: { type: 'kv.put', key: `k${i % 16}`, value: 'v' } }));
    const log = sm.auditEntries();
    expect(log.filter((e) => e.who === 'admin-token').map((e) => e.op)).toEqual(adminOps);
    // The client ring is full and holds the newest client writes; the log reads in index order.
    expect(log.filter((e) => e.op === 'kv.put')).toHaveLength(LIMITS.maxAuditEntries);
    expect(log.at(-1)!.index).toBe(100_005);
    expect(log.map((e) => e.index)).toEqual([...log.map((e) => e.index)].sort((a, b) => a - b));
    const restored = FleetStateMachine.restore(sm.snapshot());
    expect(restored.auditEntries()).toEqual(log);
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(sm.snapshot()))).toBe(true);
  });

  it('keeps the last admin entries only: the admin ring is bounded too', () => {
    const { sm, run } = machine();
    const n = LIMITS.maxAdminAuditEntries + 3;
    for (let i = 0; i < n; i++) run({ type: 'audit.record', op: 'leader.transfer', args: { to: 'n2' }, outcome: 'ok' }, OPS, '');
    run({ type: 'kv.put', key: 'k', value: 'v' });
    const log = sm.auditEntries();
    expect(log).toHaveLength(LIMITS.maxAdminAuditEntries + 1);
    expect(log[0]!.index).toBe(4);
    expect(log.at(-1)).toMatchObject({ index: n + 1, op: 'kv.put' });
  });

  it('reads a version 3 image (one ring) back into the two rings, by operation', () => {
    const { sm, run } = machine();
    run({ type: 'audit.record', op: 'members.remove', args: { id: 'n3' }, outcome: 'ok' }, OPS, '');
    run({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1 });
    run({ type: 'shard.remove', id: 's1', force: false });
    run({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1 });
    run({ type: 'shard.remove', id: 's1', force: true });
    const v4 = sm.snapshot();
    // Version 3 had the same sections but the last: one audit section holding every entry, in index order.
    const log = sm.auditEntries();
    const section11 = encodeAuditSection(log);
    const start = v4.length - v4Tail(sm);
    const v3 = Buffer.concat([Buffer.from(v4.subarray(0, start)), section11]);
    v3[0] = 3;
    const restored = FleetStateMachine.restore(v3);
    expect(restored.auditEntries()).toEqual(log);
    // Written again as version 4, it is what the two rings give: equal to the original's bytes.
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(v4))).toBe(true);
    // Flooded, the admin entries (the member's record, the forced removal) stay.
    for (let i = 0; i < LIMITS.maxAuditEntries; i++) restored.apply(100 + i, encodeCommand({ clientId: 'f', seq: i + 1, firstIncomplete: 0, time: T0, by: OPS, op: { type: 'kv.put', key: 'k', value: 'v' } }));
    expect(restored.auditEntries().filter((e) => e.op !== 'kv.put').map((e) => [e.index, e.op])).toEqual([
      [1, 'members.remove'],
      [5, 'shard.remove'],
    ]);
  });

  it('refuses an envelope whose actor is malformed', () => {
    const { sm } = machine();
    const r = sm.apply(1, encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: T0, by: { token: '', client: 'x' }, op: { type: 'kv.put', key: 'k', value: 'v' } }));
    expect(r.ok).toBe(false);
  });
});
