import { describe, expect, it } from 'vitest';
import { FleetStateMachine, LIMITS, encodeCommand, type Actor, type Command } from '../../../src/core/fleet/index.js';
import { T0 } from './harness.js';

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

  it('refuses an envelope whose actor is malformed', () => {
    const { sm } = machine();
    const r = sm.apply(1, encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: T0, by: { token: '', client: 'x' }, op: { type: 'kv.put', key: 'k', value: 'v' } }));
    expect(r.ok).toBe(false);
  });
});
