import { describe, expect, it } from 'vitest';
import { FleetStateMachine, LIMITS } from '../../../src/core/fleet/index.js';
import { Harness, T0 } from './harness.js';

const put = (key: string, value = 'v') => ({ type: 'kv.put', key, value }) as const;
/** A remembered answer as a retry gets it: the original, marked as a duplicate. */
const dup = <R extends object>(answer: R | undefined) => ({ ...answer, duplicate: true });

describe('exactly-once sessions', () => {
  it('answers a duplicate with the remembered result and does not apply it again', () => {
    const h = new Harness();
    const first = h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    const again = h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    expect(again).toEqual(dup(first));
    expect(again.index).toBe(h.index - 1); // the index the write was applied at
    expect(h.sm.counts().kvRevision).toBe(1);
    expect(h.sm.kvGet('a')!.version).toBe(1);
  });

  it('remembers refusals too', () => {
    const h = new Harness();
    h.shard('s1');
    h.shard('s2');
    h.contact('c', 's1');
    const refused = h.run({ type: 'cluster.contact', cluster: 'c', shard: 's2' }, { clientId: 'w', seq: 7, firstIncomplete: 7 });
    h.ok({ type: 'cluster.unbind', cluster: 'c' });
    // Now the same write would succeed, but a retry must get the original answer.
    expect(h.run({ type: 'cluster.contact', cluster: 'c', shard: 's2' }, { clientId: 'w', seq: 7, firstIncomplete: 7 })).toEqual(dup(refused));
    expect(h.sm.getCluster('c')!.shard).toBeNull();
    const bad = h.run({ type: 'kv.put', key: '' }, { clientId: 'w', seq: 8, firstIncomplete: 7 });
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(h.run({ type: 'kv.put', key: '' }, { clientId: 'w', seq: 8, firstIncomplete: 7 })).toEqual(dup(bad));
  });

  it('keeps every answer at or above firstIncomplete for pipelined writes', () => {
    const h = new Harness();
    const answers = [1, 2, 3, 4, 5].map((seq) => h.run(put(`k${seq}`), { clientId: 'c1', seq, firstIncomplete: 1 }));
    // Out-of-order retries inside the window all get their own answers.
    for (const seq of [3, 1, 5, 2]) expect(h.run(put(`k${seq}`), { clientId: 'c1', seq, firstIncomplete: 1 })).toEqual(dup(answers[seq - 1]));
    expect(h.sm.counts().kvRevision).toBe(5);
    // The client has seen 1..3: those answers may go; 4 and 5 stay.
    const stale = h.run(put('k3'), { clientId: 'c1', seq: 3, firstIncomplete: 4 });
    expect(stale).toMatchObject({ ok: false, code: 'DUPLICATE_STALE', index: h.index, details: { clientId: 'c1', seq: 3, firstIncomplete: 4 } });
    expect(h.run(put('k4'), { clientId: 'c1', seq: 4, firstIncomplete: 4 })).toEqual(dup(answers[3]));
    // A late envelope carrying an older firstIncomplete does not lower the window.
    expect(h.run(put('k2'), { clientId: 'c1', seq: 2, firstIncomplete: 1 })).toMatchObject({ code: 'DUPLICATE_STALE' });
    expect(h.sm.counts().kvRevision).toBe(5);
  });

  it('treats a seq below its own envelope firstIncomplete as stale', () => {
    const h = new Harness();
    expect(h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 2 })).toMatchObject({ ok: false, code: 'DUPLICATE_STALE' });
    expect(h.sm.kvGet('a')).toBeUndefined();
  });

  it('keeps clients apart, and does not deduplicate clientId ""', () => {
    const h = new Harness();
    h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    h.run(put('a'), { clientId: 'c2', seq: 1, firstIncomplete: 1 });
    h.run(put('a'), { seq: 1 });
    h.run(put('a'), { seq: 1 });
    expect(h.sm.kvGet('a')!.version).toBe(4);
    expect(h.sm.counts().sessions).toBe(2);
  });

  it('expires sessions idle for more than an hour of registry age', () => {
    const h = new Harness();
    h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    h.run(put('b'), { clientId: 'c2', seq: 1, firstIncomplete: 1 });
    // Exactly one hour idle: still remembered.
    h.age = LIMITS.sessionIdleMs;
    h.run(put('x'), { clientId: 'other', seq: 1, firstIncomplete: 1 });
    expect(h.sm.counts().sessions).toBe(3);
    expect(h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 }).index).toBe(1);
    // One more millisecond for c2 (untouched since age 0): forgotten, so its retry applies again.
    h.age += 1;
    h.run(put('y'), { clientId: 'other', seq: 2, firstIncomplete: 2 });
    expect(h.sm.counts().sessions).toBe(2);
    const retry = h.run(put('b'), { clientId: 'c2', seq: 1, firstIncomplete: 1 });
    expect(retry.index).toBe(h.index);
    expect(h.sm.kvGet('b')!.version).toBe(2);
  });

  it('does not expire sessions when a leader\'s wall clock jumps hours ahead (the registry age does not jump)', () => {
    const h = new Harness();
    const first = h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    // A leader two hours ahead stamps the next entries; only a few seconds of monotonic time pass.
    h.time += 2 * 3600_000;
    h.age += 5_000;
    h.run(put('x'), { clientId: 'other', seq: 1, firstIncomplete: 1 });
    expect(h.sm.counts().sessions).toBe(2);
    // The retry of c1's write gets its remembered answer: applied once.
    expect(h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 })).toEqual(dup(first));
    expect(h.sm.kvGet('a')!.version).toBe(1);
    // And the wall clock coming back does not matter either.
    h.time -= 2 * 3600_000;
    expect(h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 })).toEqual(dup(first));
  });

  it('keeps the registry age from going back when an entry carries a smaller one, and reads entries without it', () => {
    const h = new Harness();
    h.age = 10_000;
    h.run(put('a'));
    h.age = 4_000;
    h.run(put('b'));
    expect(h.sm.age).toBe(10_000);
    h.raw(Buffer.from(JSON.stringify({ clientId: '', seq: 0, firstIncomplete: 0, time: T0, op: put('c') })));
    expect(h.sm.age).toBe(10_000);
    expect(h.sm.kvGet('c')?.value).toBe('v');
  });

  it('survives snapshot and restore', () => {
    const h = new Harness();
    const first = h.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 });
    const r = new Harness(h.restored());
    expect(r.run(put('a'), { clientId: 'c1', seq: 1, firstIncomplete: 1 })).toEqual(dup(first));
    expect(r.sm.kvGet('a')!.version).toBe(1);
  });

  it('bounds the writes a client may have in flight', () => {
    const h = new Harness();
    for (let seq = 1; seq <= LIMITS.maxInFlightPerSession; seq++) h.run({ type: 'kv.delete', key: 'k' }, { clientId: 'c1', seq, firstIncomplete: 1 });
    const full = h.run({ type: 'kv.put', key: 'k', value: 'v' }, { clientId: 'c1', seq: LIMITS.maxInFlightPerSession + 1, firstIncomplete: 1 });
    expect(full).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION' });
    expect(h.sm.kvGet('k')).toBeUndefined();
    // Once the client acknowledges answers, it may go on.
    const next = h.run({ type: 'kv.put', key: 'k', value: 'v' }, { clientId: 'c1', seq: LIMITS.maxInFlightPerSession + 1, firstIncomplete: 100 });
    expect(next.ok).toBe(true);
  });
});

describe('the session table bound (issue 42)', () => {
  it('holds at most maxRememberedAnswers answers: clients that never advance firstIncomplete push out the least recently active, never the writer', () => {
    const h = new Harness();
    const keep = h.run(put('keep'), { clientId: 'early', seq: 1, firstIncomplete: 1 });
    const perClient = LIMITS.maxInFlightPerSession;
    const clients = Math.ceil(LIMITS.maxRememberedAnswers / perClient) + 1;
    for (let c = 0; c < clients; c++) {
      for (let seq = 1; seq <= perClient; seq++) h.run({ type: 'kv.delete', key: 'k' }, { clientId: `flood-${c}`, seq, firstIncomplete: 1 });
    }
    // Without the bound: (clients × perClient + 1) answers, about 150 B each, for ever.
    const answers = h.sm.sessionAnswers();
    expect(answers).toBeLessThanOrEqual(LIMITS.maxRememberedAnswers);
    expect(answers).toBeGreaterThan(LIMITS.maxRememberedAnswers - perClient);
    // The least recently active went first: 'early', then the first flooders; the last writer stays whole.
    expect(h.sm.hasSession('early')).toBe(false);
    expect(h.sm.hasSession('flood-0')).toBe(false);
    const last = `flood-${clients - 1}`;
    expect(h.run({ type: 'kv.delete', key: 'k' }, { clientId: last, seq: 1, firstIncomplete: 1 }).duplicate).toBe(true);
    // The count survives a snapshot.
    const restored = new Harness(h.restored());
    expect(restored.sm.sessionAnswers()).toBe(h.sm.sessionAnswers());
    // A forgotten client's retry is a new write (documented: docs/operations.md, "What one client can make a member hold").
    expect(h.run(put('keep'), { clientId: 'early', seq: 1, firstIncomplete: 1 })).not.toEqual(dup(keep));
  });
});

describe('apply contract', () => {
  it('answers malformed entries with INVALID_ARGUMENT and still advances the applied index', () => {
    const h = new Harness();
    for (const data of [new Uint8Array(), Buffer.from('not json'), Buffer.from('[]'), Buffer.from('{"clientId":"","seq":0,"firstIncomplete":0,"time":-1,"op":{}}')]) {
      expect(h.raw(data)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', index: h.index });
      expect(h.sm.appliedIndex).toBe(h.index);
    }
    expect(h.err({ type: 'nope' }, 'INVALID_ARGUMENT').message).toMatch(/unknown command type "nope"/);
  });

  it('refuses an index that does not advance, and lets no-op entries advance it', () => {
    const sm = new FleetStateMachine();
    sm.markApplied(5);
    expect(sm.appliedIndex).toBe(5);
    expect(() => sm.apply(5, new Uint8Array())).toThrow(RangeError);
    expect(() => sm.markApplied(3)).toThrow(RangeError);
    // Gaps are fine: the node may skip entries that carry no command.
    expect(sm.apply(9, Buffer.from('x')).index).toBe(9);
  });
});
