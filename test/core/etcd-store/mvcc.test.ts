import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ERR_COMPACTED, ERR_FUTURE, ERR_TOO_MANY_LEASES, ERR_TOO_MANY_OPS, MAX_LEASES, MvccStore } from '../../../src/core/etcd-store/mvcc.js';

const b = (s: string) => new Uint8Array(Buffer.from(s));
const s = (u: Uint8Array) => Buffer.from(u).toString();
const prefixEnd = (p: string) => {
  const u = Buffer.from(p);
  u[u.length - 1]!++;
  return new Uint8Array(u);
};

describe('MvccStore', () => {
  it('gives one revision per write and tracks create/mod/version', () => {
    const m = new MvccStore();
    expect(m.put({ key: b('a'), value: b('1') }).revision).toBe(1);
    expect(m.put({ key: b('a'), value: b('2') }).revision).toBe(2);
    const kv = m.range({ key: b('a') }).kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version, s(kv.value)]).toEqual([1, 2, 2, '2']);
    expect(m.deleteRange({ key: b('a'), prevKv: true })).toMatchObject({ revision: 3, deleted: 1 });
    expect(m.deleteRange({ key: b('a') })).toMatchObject({ revision: 3, deleted: 0 });
    m.put({ key: b('a'), value: b('3') });
    const again = m.range({ key: b('a') }).kvs[0]!;
    expect([again.createRevision, again.version]).toEqual([4, 1]);
  });

  it('counts the bytes its kept history holds: keys, values and a record overhead, less what compaction drops', () => {
    const m = new MvccStore();
    expect(m.approximateBytes()).toBe(0);
    m.put({ key: b('key'), value: b('value') });
    expect(m.approximateBytes()).toBe(3 + 5 + 32);
    m.put({ key: b('key'), value: b('v2') });
    expect(m.approximateBytes()).toBe(3 + 5 + 32 + (3 + 2 + 32));
    m.compact(2);
    expect(m.approximateBytes()).toBe(3 + 2 + 32);
    m.deleteRange({ key: b('key') });
    expect(m.approximateBytes()).toBe(3 + 2 + 32 + (3 + 32));
  });

  it('reads at a past revision, by prefix, with limit, sort, count and filters', () => {
    const m = new MvccStore();
    for (const k of ['p/a', 'p/b', 'p/c', 'q']) m.put({ key: b(k), value: b(k) });
    m.put({ key: b('p/a'), value: b('z') });
    const r = m.range({ key: b('p/'), rangeEnd: prefixEnd('p/') });
    expect(r.kvs.map((kv) => s(kv.key))).toEqual(['p/a', 'p/b', 'p/c']);
    expect(r.count).toBe(3);
    expect(s(m.range({ key: b('p/a'), revision: 1 }).kvs[0]!.value)).toBe('p/a');
    expect(m.range({ key: b('p/c'), revision: 2 }).kvs).toEqual([]);
    const lim = m.range({ key: b('p/'), rangeEnd: prefixEnd('p/'), limit: 2 });
    expect([lim.kvs.length, lim.more, lim.count]).toEqual([2, true, 3]);
    const desc = m.range({ key: b('\0'), rangeEnd: new Uint8Array([0]), sortOrder: 'descend', sortTarget: 'mod' });
    expect(desc.kvs.map((kv) => s(kv.key))).toEqual(['p/a', 'q', 'p/c', 'p/b']);
    expect(m.range({ key: b('p/'), rangeEnd: prefixEnd('p/'), countOnly: true })).toMatchObject({ kvs: [], count: 3 });
    expect(m.range({ key: b('p/a'), keysOnly: true }).kvs[0]!.value.length).toBe(0);
    expect(m.range({ key: b('p/'), rangeEnd: prefixEnd('p/'), minModRevision: 3 }).kvs.map((kv) => s(kv.key))).toEqual(['p/a', 'p/c']);
    expect(m.range({ key: b('p/'), rangeEnd: prefixEnd('p/'), maxCreateRevision: 1 }).kvs.map((kv) => s(kv.key))).toEqual(['p/a']);
    expect(() => m.range({ key: b('a'), revision: 99 })).toThrow(ERR_FUTURE);
  });

  it('put options: prev_kv, ignore_value, ignore_lease', () => {
    const m = new MvccStore();
    m.leaseGrant(7, 10, 0);
    m.put({ key: b('k'), value: b('v'), lease: 7 });
    expect(s(m.put({ key: b('k'), value: b('w'), prevKv: true }).prevKv!.value)).toBe('v');
    m.put({ key: b('k'), value: b('x'), lease: 7 });
    m.put({ key: b('k'), ignoreValue: true, lease: 0, ignoreLease: true });
    const kv = m.range({ key: b('k') }).kvs[0]!;
    expect([s(kv.value), kv.lease]).toEqual(['x', 7]);
    expect(() => m.put({ key: b('nope'), ignoreValue: true })).toThrow('key not found');
    expect(() => m.put({ key: b('k'), value: b('v'), lease: 8 })).toThrow('lease not found');
  });

  it('txn: compares, one revision for all ops, nested txns, limits, rollback', () => {
    const m = new MvccStore();
    m.put({ key: b('a'), value: b('1') });
    const t = m.txn({
      compare: [{ key: b('a'), target: 'value', result: 'equal', operand: b('1') }, { key: b('b'), target: 'version', result: 'equal', operand: 0 }],
      success: [{ put: { key: b('a'), value: b('2') } }, { put: { key: b('b'), value: b('1') } }, { range: { key: b('b') } }, { txn: { success: [{ deleteRange: { key: b('c') } }] } }],
    });
    expect(t.succeeded).toBe(true);
    expect(t.revision).toBe(2);
    expect(m.range({ key: b('b') }).kvs[0]!.modRevision).toBe(2);
    expect(m.range({ key: b('a') }).kvs[0]!.modRevision).toBe(2);
    const f = m.txn({ compare: [{ key: b('a'), target: 'mod', result: 'less', operand: 2 }], failure: [{ range: { key: b('a') } }] });
    expect(f.succeeded).toBe(false);
    expect(f.revision).toBe(2);
    expect(() => m.txn({ success: Array.from({ length: 129 }, (_, i) => ({ put: { key: b(`k${i}`) } })) })).toThrow(ERR_TOO_MANY_OPS);
    expect(() => m.txn({ success: [{ put: { key: b('x') } }, { put: { key: b('x') } }] })).toThrow('duplicate key');
    expect(() => m.put({ key: b('big'), value: new Uint8Array(2 * 1024 * 1024) })).toThrow('request is too large');
    expect(() => m.txn({ success: [{ put: { key: b('y') } }, { put: { key: b('z'), lease: 5 } }] })).toThrow('lease not found');
    expect(m.range({ key: b('y') }).kvs).toEqual([]);
    expect(m.revision).toBe(2);
    // The rolled-back put of y counts for nothing in the store's size either (kept as writes come and go).
    expect(m.approximateBytes()).toBe(MvccStore.restore(m.snapshot()).approximateBytes());
    // No key compares as an empty kv: version 0 matches, a value compare fails.
    expect(m.txn({ compare: [{ key: b('n/'), rangeEnd: b('n0'), target: 'version', result: 'equal', operand: 0 }] }).succeeded).toBe(true);
    expect(m.txn({ compare: [{ key: b('none'), target: 'value', result: 'equal', operand: b('') }] }).succeeded).toBe(false);
  });

  it('reads events a page at a time: whole revisions, and the pages together are the events', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.nat(300), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.nat(40),
        fc.integer({ min: 1, max: 1000 }),
        (writes, fromAt, pageBytes) => {
          const m = new MvccStore();
          for (const [key, size, del] of writes) {
            if (del) m.deleteRange({ key: b(key) });
            else m.txn({ success: [{ put: { key: b(key), value: b('v'.repeat(size)) } }, { put: { key: b(`${key}/side`), value: b('s') } }] });
          }
          const from = 1 + (fromAt % (m.revision + 1));
          const all = m.events(b('a'), b('z'), from);
          const paged: typeof all = [];
          for (let next = from; next <= m.revision; ) {
            const page = m.eventsPage(b('a'), b('z'), next, pageBytes);
            expect(page.events.length, 'a page holds at least one revision').toBeGreaterThan(0);
            expect(page.next).toBeGreaterThan(page.events.at(-1)!.kv.modRevision);
            paged.push(...page.events);
            next = page.next;
          }
          expect(paged).toEqual(all);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names a lease due once, though a renewal that did not move its expiry indexed it again (fast-check seed 2081814883)', () => {
    const m = new MvccStore();
    m.leaseGrant(12, 1, 0);
    m.leaseRenew(12, 0);
    expect(m.expiredLeases(1000)).toEqual([12]);
    expect(m.expiredLeases(1000)).toEqual([12]);
  });

  it('finds the leases due from an index by expiry, as a scan of them all would, without sorting them at every look', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('grant', 'renew', 'revoke', 'look'), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.nat(20_000)), { maxLength: 80 }),
        (steps) => {
          const m = new MvccStore();
          let now = 0;
          for (const [op, id, ttl, advance] of steps) {
            now += advance;
            try {
              if (op === 'grant') m.leaseGrant(id, ttl, now);
              else if (op === 'renew') m.leaseRenew(id, now);
              else if (op === 'revoke') m.leaseRevoke(id);
            } catch {
              // no such lease, or already granted: as the store refuses them
            }
            const since = now - 3000;
            const naive = m.leaseList().filter((l) => m.leaseExpired(l, now) && since + m.leaseTimeToLive(l, 0)!.grantedTtl * 1000 <= now);
            expect([...m.expiredLeases(now, since)].sort((a, b) => a - b)).toEqual(naive);
            expect(m.expiredLeases(now, since, 2).length).toBe(Math.min(2, naive.length));
          }
        },
      ),
      { numRuns: 300 },
    );
    // 20,000 leases, none due: each look reads the soonest, no list of them all.
    const m = new MvccStore();
    for (let id = 1; id <= 20_000; id++) m.leaseGrant(id, 60, 1000);
    for (let i = 0; i < 50; i++) m.leaseRenew(1 + i, 2000);
    const listed = vi.spyOn(m, 'leaseList');
    for (let tick = 0; tick < 100; tick++) {
      expect(m.expiredLeases(1000 + tick, 0)).toEqual([]);
      expect(m.leasesStampedAfter(5000)).toEqual([]);
    }
    expect(listed).not.toHaveBeenCalled();
    // Renewals on a member that never looks (a follower) leave a bounded index behind.
    for (let round = 0; round < 5; round++) for (let id = 1; id <= 20_000; id++) m.leaseRenew(id, 3000 + round);
    expect((m as unknown as { byExpiry: { size: number } }).byExpiry.size).toBeLessThanOrEqual(2 * 20_000 + 64);
  });

  it('refuses a lease beyond the limit of live leases, the same on every member', () => {
    const m = new MvccStore();
    for (let id = 1; id <= MAX_LEASES; id++) m.leaseGrant(id, 60, 0);
    expect(() => m.leaseGrant(MAX_LEASES + 1, 60, 0)).toThrow(ERR_TOO_MANY_LEASES);
    m.leaseRevoke(1);
    expect(m.leaseGrant(MAX_LEASES + 1, 60, 0).id).toBe(MAX_LEASES + 1);
  });

  it('compacts history and reports compacted and future revisions', () => {
    const m = new MvccStore();
    m.put({ key: b('a'), value: b('1') });
    m.put({ key: b('a'), value: b('2') });
    m.put({ key: b('d'), value: b('1') });
    m.deleteRange({ key: b('d') });
    m.compact(3);
    expect(() => m.range({ key: b('a'), revision: 2 })).toThrow(ERR_COMPACTED);
    expect(s(m.range({ key: b('a'), revision: 3 }).kvs[0]!.value)).toBe('2');
    expect(m.range({ key: b('d'), revision: 3 }).kvs.length).toBe(1);
    expect(() => m.compact(3)).toThrow(ERR_COMPACTED);
    expect(() => m.compact(9)).toThrow(ERR_FUTURE);
    m.compact(4);
    expect(m.range({ key: b('\0'), rangeEnd: new Uint8Array([0]) }).kvs.map((kv) => s(kv.key))).toEqual(['a']);
  });

  it('leases: revoke and expiry delete all keys in one revision; ttl and renew use the given clock', () => {
    const m = new MvccStore();
    m.leaseGrant(1, 5, 1000);
    m.put({ key: b('x'), lease: 1 });
    m.put({ key: b('y'), lease: 1 });
    expect(m.leaseTimeToLive(1, 3000)).toMatchObject({ ttl: 3, grantedTtl: 5 });
    expect(m.leaseTimeToLive(1, 3000)!.keys.map(s)).toEqual(['x', 'y']);
    expect(m.expiredLeases(6000)).toEqual([1]);
    m.leaseRenew(1, 5000);
    expect(m.expiredLeases(6000)).toEqual([]);
    expect(m.leaseRevoke(1)).toBe(3);
    expect(m.range({ key: b('x'), rangeEnd: b('z') }).kvs).toEqual([]);
    expect(m.leaseList()).toEqual([]);
    expect(() => m.leaseRevoke(1)).toThrow('lease not found');
  });

  it('events: puts and deletes since a revision, with prev_kv, refusing compacted revisions', () => {
    const m = new MvccStore();
    m.put({ key: b('w/a'), value: b('1') });
    m.put({ key: b('w/b'), value: b('1') });
    m.put({ key: b('w/a'), value: b('2') });
    m.deleteRange({ key: b('w/'), rangeEnd: prefixEnd('w/') });
    m.put({ key: b('other'), value: b('1') });
    const ev = m.events(b('w/'), prefixEnd('w/'), 2);
    expect(ev.map((e) => [e.type, s(e.kv.key), e.kv.modRevision, e.prevKv ? s(e.prevKv.value) : null])).toEqual([
      ['PUT', 'w/b', 2, null],
      ['PUT', 'w/a', 3, '1'],
      ['DELETE', 'w/a', 4, '2'],
      ['DELETE', 'w/b', 4, '1'],
    ]);
    expect(m.events(b('w/a'), undefined, 0)).toEqual([]);
    m.compact(3);
    expect(() => m.events(b('w/a'), undefined, 2)).toThrow(ERR_COMPACTED);
    expect(m.events(b('w/a'), undefined, 3).map((e) => e.type)).toEqual(['PUT', 'DELETE']);
  });

  it("events within one revision come in the order the txn's operations wrote them, as etcd's, through a snapshot too", () => {
    const m = new MvccStore();
    m.put({ key: b('t/m'), value: b('0') });
    m.txn({ success: [{ put: { key: b('t/z'), value: b('1') } }, { deleteRange: { key: b('t/m') } }, { put: { key: b('t/a'), value: b('2') } }] });
    const order = (store: MvccStore) => store.events(b('t/'), prefixEnd('t/'), 2).map((e) => `${e.type} ${s(e.kv.key)}`);
    expect(order(m)).toEqual(['PUT t/z', 'DELETE t/m', 'PUT t/a']);
    expect(m.newestRevisionEvents(b('t/'), prefixEnd('t/'))!.map((e) => s(e.kv.key))).toEqual(['t/z', 't/m', 't/a']);
    expect(order(MvccStore.restore(JSON.parse(JSON.stringify(m.snapshot()))))).toEqual(['PUT t/z', 'DELETE t/m', 'PUT t/a']);
    // An image written before sub-revisions (no `sub`) restores with key order within a revision.
    const old = m.snapshot();
    for (const [, recs] of old.keys) for (const r of recs) delete (r as { sub?: number }).sub;
    expect(order(MvccStore.restore(old))).toEqual(['PUT t/a', 'DELETE t/m', 'PUT t/z']);
  });

  it('snapshot and restore give an equal store', () => {
    const m = new MvccStore();
    m.leaseGrant(3, 10, 0);
    m.put({ key: b('a'), value: b('1'), lease: 3 });
    m.put({ key: b('b'), value: b('1') });
    m.deleteRange({ key: b('b') });
    const r = MvccStore.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(r.snapshot()).toEqual(m.snapshot());
    expect(r.leaseRevoke(3)).toBe(4);
  });
});

type Op =
  | { kind: 'put'; key: string; value: string; leased: boolean }
  | { kind: 'del'; key: string }
  | { kind: 'txn'; key: string; expect: string; target: string; value: string }
  | { kind: 'grant' }
  | { kind: 'revoke' }
  | { kind: 'compact' };

describe('MvccStore against a naive model', () => {
  it('every revision reads as the model recorded it', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'ab');
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key, value: fc.string({ maxLength: 2 }), leased: fc.boolean() }),
      fc.record({ kind: fc.constant('del' as const), key }),
      fc.record({ kind: fc.constant('txn' as const), key, expect: fc.string({ maxLength: 1 }), target: key, value: fc.string({ maxLength: 1 }) }),
      fc.record({ kind: fc.constant('grant' as const) }),
      fc.record({ kind: fc.constant('revoke' as const) }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const m = new MvccStore();
        // The model: a full copy of the keyspace at every revision.
        const states: Map<string, string>[] = [new Map()];
        let compacted = 0;
        let granted = false;
        const leased = new Set<string>();
        for (const o of ops) {
          const cur = new Map(states[states.length - 1]);
          if (o.kind === 'put') {
            const lease = o.leased && granted ? 1 : 0;
            m.put({ key: b(o.key), value: b(o.value), lease });
            cur.set(o.key, o.value);
            if (lease) leased.add(o.key);
            else leased.delete(o.key);
            states.push(cur);
          } else if (o.kind === 'txn') {
            // if key's value == expect then put target=value else delete target
            const ok = cur.get(o.key) === o.expect;
            m.txn({
              compare: [{ key: b(o.key), target: 'value', result: 'equal', operand: b(o.expect) }],
              success: [{ put: { key: b(o.target), value: b(o.value) } }],
              failure: [{ deleteRange: { key: b(o.target) } }],
            });
            leased.delete(o.target);
            if (ok) cur.set(o.target, o.value);
            if (ok || cur.delete(o.target)) states.push(cur);
          } else if (o.kind === 'grant') {
            if (!granted) m.leaseGrant(1, 10, 0);
            granted = true;
          } else if (o.kind === 'revoke') {
            if (granted) {
              m.leaseRevoke(1);
              for (const k of leased) cur.delete(k);
              if (leased.size > 0) states.push(cur);
              leased.clear();
              granted = false;
            }
          } else if (o.kind === 'del') {
            const had = cur.delete(o.key);
          leased.delete(o.key);
            m.deleteRange({ key: b(o.key) });
            if (had) states.push(cur);
          } else if (states.length - 1 > compacted) {
            compacted = states.length - 1;
            m.compact(compacted);
          }
        }
        expect(m.revision).toBe(states.length - 1);
        // The size kept as records come and go is the size counted afresh (restore counts).
        expect(m.approximateBytes()).toBe(MvccStore.restore(m.snapshot()).approximateBytes());
        for (let rev = Math.max(1, compacted); rev < states.length; rev++) {
          const got = m.range({ key: b('\0'), rangeEnd: new Uint8Array([0]), revision: rev }).kvs.map((kv) => [s(kv.key), s(kv.value)]);
          expect(got).toEqual([...states[rev]!].sort(([x], [y]) => (x < y ? -1 : 1)));
        }
      }),
    );
  });
});

describe('putNamed, the one-key put of fleet KV', () => {
  const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
  it('makes the store a txn put of the same key and value makes, history, leases and watch events alike', () => {
    const step = fc.record({ key: fc.constantFrom('a', 'b', 'c\u00e9'), value: fc.string({ maxLength: 4 }), viaEtcdWithLease: fc.boolean(), del: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const [fast, txn] = [new MvccStore(1), new MvccStore(1)];
        for (const s of [fast, txn]) s.leaseGrant(7, 60, 0);
        for (const { key, value, viaEtcdWithLease, del } of steps) {
          if (del) {
            for (const s of [fast, txn]) s.deleteRange({ key: bytes(key) });
          } else if (viaEtcdWithLease) {
            // A key an etcd client attached to a lease: a fleet put takes it off the lease, as etcd's put does.
            for (const s of [fast, txn]) s.put({ key: bytes(key), value: bytes(value), lease: 7 });
          } else {
            const rec = fast.putNamed(key, value);
            txn.txn({ success: [{ put: { key: bytes(key), value: bytes(value) } }] });
            expect(rec).toMatchObject(txn.latest(key)!);
          }
        }
        expect(fast.snapshot()).toEqual(txn.snapshot());
        expect(fast.events(bytes('a'), new Uint8Array([0]), 2)).toEqual(txn.events(bytes('a'), new Uint8Array([0]), 2));
        expect(fast.newestRevisionKeys()).toEqual(txn.newestRevisionKeys());
        expect(fast.approximateBytes()).toBe(txn.approximateBytes());
      }),
    );
  });

  it('is refused as the txn is: an empty key, a key and value over the request limit', () => {
    const s = new MvccStore(1);
    expect(() => s.putNamed('', 'v')).toThrow(/key is not provided/);
    expect(() => s.putNamed('k', 'x'.repeat(2 * 1024 * 1024))).toThrow(/request is too large/);
    expect(s.revision).toBe(1);
  });
});

describe('a range with a limit', () => {
  const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
  const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  it('answers as every match collected, sorted, then cut to the limit, counting every match', () => {
    const request = fc.record({
      limit: fc.nat(6),
      sortOrder: fc.constantFrom('none', 'ascend', 'descend') as fc.Arbitrary<'none' | 'ascend' | 'descend'>,
      sortTarget: fc.constantFrom('key', 'version', 'create', 'mod', 'value') as fc.Arbitrary<'key' | 'version' | 'create' | 'mod' | 'value'>,
      countOnly: fc.boolean(),
      keysOnly: fc.boolean(),
      minModRevision: fc.nat(12),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.string({ maxLength: 2 }), fc.boolean()), { maxLength: 12 }), request, (writes, req) => {
        const m = new MvccStore(1);
        for (const [k, v, del] of writes) {
          if (del) m.deleteRange({ key: bytes(k) });
          else m.put({ key: bytes(k), value: bytes(v) });
        }
        const every = m.range({ key: bytes('a'), rangeEnd: bytes('z'), minModRevision: req.minModRevision, keysOnly: req.keysOnly });
        const val = (kv: (typeof every.kvs)[number]): string | number =>
          req.sortTarget === 'key' ? text(kv.key) : req.sortTarget === 'value' ? text(kv.value) : req.sortTarget === 'version' ? kv.version : req.sortTarget === 'create' ? kv.createRevision : kv.modRevision;
        const sorted = req.sortOrder === 'none' ? every.kvs : [...every.kvs].sort((x, y) => (val(x) < val(y) ? -1 : val(x) > val(y) ? 1 : 0) * (req.sortOrder === 'descend' ? -1 : 1));
        const limit = req.limit > 0 ? req.limit : Infinity;
        const got = m.range({ key: bytes('a'), rangeEnd: bytes('z'), ...req });
        expect(got.count).toBe(every.kvs.length);
        expect(got.more).toBe(every.kvs.length > limit);
        expect(got.kvs).toEqual(req.countOnly ? [] : sorted.slice(0, limit));
      }),
    );
  });
});
