import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { FleetStateMachine, SNAPSHOT_VERSION, SnapshotError, encodeCommand, type ApplyResult, type Command } from '../../../src/core/fleet/index.js';
import { SessionTable } from '../../../src/core/fleet/sessions.js';
import { ByteWriter } from '../../../src/core/fleet/byte-io.js';
import { readSnapshot, writeSnapshot } from '../../../src/core/fleet/snapshot.js';
import { FleetState, ShardRecord, UNBOUND } from '../../../src/core/fleet/state.js';
import { Harness, T0 } from './harness.js';

/** A registry with something of every kind, including names that stress the name compression. */
function rich(): Harness {
  const h = new Harness();
  h.shard('s1', 50, { labels: { '10': 'numeric key', tier: 'gold', az: '' } });
  h.shard('s2', 50);
  h.shard('s3', 50);
  // Cluster names are ASCII; KV keys are not, so they carry the multi-byte cases.
  const names = ['c', 'c-1', 'c-10', 'c-2', 'ä', 'äb', 'äc', '\u{1F600}a', '\u{1F600}b', '\u{1F601}', 'z'.repeat(200)];
  names.filter((n) => /^[a-z]/.test(n)).forEach((name, i) => h.contact(name, `s${(i % 3) + 1}`));
  h.ok({ type: 'cluster.unbind', cluster: 'c-2' });
  h.advance(1_000);
  h.ok({ type: 'cluster.heartbeat', cluster: 'c-10' });
  h.ok({ type: 'shard.heartbeat', id: 's2' });
  h.ok({ type: 'shard.setState', id: 's3', state: 'draining' });
  h.ok({ type: 'domain.assign', key: 'zone', value: 'a', shard: 's1' });
  h.ok({ type: 'domain.assign', key: 'rack', value: 'r-1', shard: 's2' });
  h.ok({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['r2', 'r1'], endpoint: 'https://aws' });
  h.ok({ type: 'quota.set', provider: 'aws', region: 'r1', total: 9, slices: { s2: 4, s1: 5 } });
  h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 5_000 });
  for (const [i, key] of names.entries()) h.ok({ type: 'kv.put', key, value: `${key}=${i}`, ns: i % 2 ? 'n1' : '' });
  h.ok({ type: 'kv.put', key: 'big', value: 'é'.repeat(70_000) });
  h.ok({ type: 'kv.delete', key: 'c' });
  h.ok({ type: 'plan.progress', planId: 'p1', startedBy: 'alice', done: 1, total: 3, state: 'running' });
  h.ok({ type: 'plan.progress', planId: 'p0', startedBy: 'bob', done: 3, total: 3, state: 'completed' });
  h.run({ type: 'kv.put', key: 'sess', value: '1' }, { clientId: 'cli-1', seq: 1, firstIncomplete: 1 });
  h.run({ type: 'cluster.contact', cluster: 'c', shard: 's3' }, { clientId: 'cli-1', seq: 2, firstIncomplete: 1 });
  h.run({ type: 'kv.put', key: 'sess', value: '2' }, { clientId: 'cli-2', seq: 9, firstIncomplete: 3 });
  return h;
}

function reads(sm: FleetStateMachine): unknown {
  return {
    counts: sm.counts(),
    shards: sm.listShards(),
    clusters: sm.listClusters({ limit: 1_000 }),
    unbound: sm.listClusters({ unbound: true }),
    domains: sm.listDomains(),
    quotas: sm.listQuotas(),
    providers: sm.listProviders(),
    leases: sm.listLeases(),
    kv: [sm.kvList('', undefined, 1_000), sm.kvList('', undefined, 1_000, 'n1')],
    plans: sm.plans(),
  };
}

describe('snapshot', () => {
  it('restores an empty registry', () => {
    const sm = new FleetStateMachine();
    const bytes = sm.snapshot();
    expect(bytes[0]).toBe(SNAPSHOT_VERSION);
    expect(FleetStateMachine.restore(bytes).snapshot()).toEqual(bytes);
  });

  it('restores exactly the same state: same bytes, same reads', () => {
    const h = rich();
    const bytes = h.sm.snapshot();
    const restored = FleetStateMachine.restore(bytes);
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(bytes))).toBe(true);
    expect(reads(restored)).toEqual(reads(h.sm));
    expect(restored.appliedIndex).toBe(h.index);
  });

  it('is deterministic: replicas applying the same entries write the same bytes', () => {
    expect(Buffer.from(rich().sm.snapshot()).equals(Buffer.from(rich().sm.snapshot()))).toBe(true);
  });

  it('keeps behaving the same after a restore (sessions, tokens, revisions, clock)', () => {
    const a = rich();
    const b = new Harness(a.restored());
    b.time = a.time;
    b.age = a.age;
    const next: [Command, { clientId?: string; seq?: number; firstIncomplete?: number }][] = [
      [{ type: 'kv.put', key: 'sess', value: '1' }, { clientId: 'cli-1', seq: 1, firstIncomplete: 1 }],
      [{ type: 'lease.acquire', name: 'other', holder: 'n2', ttlMs: 10 }, {}],
      [{ type: 'kv.cas', key: 'sess', expected: '2', value: '3' }, {}],
      [{ type: 'cluster.contact', cluster: 'new', shard: 's1' }, { clientId: 'cli-2', seq: 10, firstIncomplete: 10 }],
      [{ type: 'kv.put', key: 'sess', value: '2' }, { clientId: 'cli-2', seq: 9, firstIncomplete: 3 }],
    ];
    for (const [op, from] of next) expect(b.run(op, from)).toEqual(a.run(op, from));
    expect(Buffer.from(b.sm.snapshot()).equals(Buffer.from(a.sm.snapshot()))).toBe(true);
  });

  it('is compact: about a dozen bytes per cluster', () => {
    const h = new Harness();
    for (let s = 0; s < 10; s++) h.shard(`shard-${s}`, 1_000);
    for (let i = 0; i < 5_000; i++) h.run({ type: 'cluster.contact', cluster: `prod-cluster-${String(i).padStart(6, '0')}`, shard: `shard-${i % 10}` });
    expect(h.sm.snapshot().byteLength / 5_000).toBeLessThan(14);
  });

  it('refuses corrupt, truncated or foreign bytes with SnapshotError', () => {
    const bytes = rich().sm.snapshot();
    const corrupt = (f: (b: Uint8Array) => Uint8Array) => () => FleetStateMachine.restore(f(Uint8Array.from(bytes)));
    expect(corrupt((b) => b.subarray(0, b.length - 1))).toThrow(SnapshotError);
    expect(corrupt((b) => b.subarray(0, 40))).toThrow(SnapshotError);
    expect(corrupt((b) => ((b[0] = 9), b))).toThrow(/version 9/);
    expect(corrupt((b) => ((b[1] = 3), b))).toThrow(/expected section 1/);
    expect(corrupt((b) => Uint8Array.from([...b, 0]))).toThrow(/trailing bytes/);
    expect(() => FleetStateMachine.restore(new Uint8Array())).toThrow(SnapshotError);
  });

  it('compresses and restores names that share multi-byte prefixes', () => {
    // Validation keeps cluster names ASCII; the format does not depend on it.
    const s = new FleetState();
    s.addShard(new ShardRecord('s1', 'h:1', 'r', 'z', 'active', 100, {}, T0, -1));
    const names = ['aé', 'aéb', 'aê', '\u{1F600}', '\u{1F600}x', '\u{1F601}', '\u{1F601}\u{1F600}', 'zz'];
    names.forEach((name, i) => s.clusters.add(name, i % 2 ? 's1' : UNBOUND, i + 1, T0 - i * 7));
    const bytes = writeSnapshot(s, new SessionTable());
    const back = readSnapshot(bytes);
    const sorted = [...names].sort();
    const rows = (shard?: string) => {
      const out: [string, string, number, number][] = [];
      const t = back.state.clusters;
      t.forEachAfter(shard, undefined, (name, slot) => (out.push([name, t.shard(slot), t.boundAtIndex(slot), t.lastSeen(slot)]), true));
      return out;
    };
    const expected = sorted.map((name): [string, string, number, number] => {
      const i = names.indexOf(name);
      return [name, i % 2 ? 's1' : UNBOUND, i + 1, T0 - i * 7];
    });
    expect(rows()).toEqual(expected);
    expect(rows('s1')).toEqual(expected.filter((r) => r[1] === 's1'));
    expect(Buffer.from(writeSnapshot(back.state, back.sessions)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reads a version 1 image: leases keep the verdict of its registry clock, sessions start at age 0', () => {
    const w = new ByteWriter(1024);
    const section = (tag: number, body: () => void): void => {
      w.u8(tag);
      const at = w.length;
      w.u32(0);
      body();
      w.patchU32(at, w.length - at - 4);
    };
    w.u8(1);
    section(1, () => [9, T0 + 5_000, 2, 0].forEach((v) => w.varuint(v))); // appliedIndex clock leaseToken kvRevision
    for (const tag of [2, 3, 4, 5, 6]) section(tag, () => w.varuint(0));
    section(7, () => {
      w.varuint(2);
      for (const [name, token, expiresAt] of [['gone', 1, T0 + 1_000], ['live', 2, T0 + 60_000]] as const) {
        w.string(name);
        w.string('n1');
        [token, 1_000, T0, expiresAt].forEach((v) => w.varuint(v));
      }
    });
    for (const tag of [8, 9]) section(tag, () => w.varuint(0));
    section(10, () => {
      w.varuint(1);
      w.string('c1');
      [1, T0 + 5_000, 0].forEach((v) => w.varuint(v)); // floor lastActivity (wall time) nResults
    });
    const h = new Harness(FleetStateMachine.restore(w.finish()));
    expect(h.sm.listLeases().map((l) => [l.name, l.expired, l.renewedIndex])).toEqual([
      ['gone', true, 9],
      ['live', false, 9],
    ]);
    expect([...h.sm.liveLeases()].map((l) => l.name)).toEqual(['live']);
    expect(h.sm.age).toBe(0);
    // Its session is on the age scale now: still there after a while, gone after an idle hour.
    h.age = 1_000;
    h.ok({ type: 'kv.put', key: 'k', value: 'v' });
    expect(h.sm.counts().sessions).toBe(1);
    h.age = 3_600_001;
    h.ok({ type: 'kv.put', key: 'k', value: 'v' });
    expect(h.sm.counts().sessions).toBe(0);
    // Written again, it is the current version.
    expect(h.sm.snapshot()[0]).toBe(SNAPSHOT_VERSION);
  });

  it('is a stable format: an empty registry is these bytes', () => {
    const hex = Buffer.from(new FleetStateMachine().snapshot()).toString('hex');
    // version 4; meta (5 zero varints); eleven sections holding a zero count each.
    expect(hex).toBe('04' + '01050000000000000000' + [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((t) => `${t.toString(16).padStart(2, '0')}0100000000`).join(''));
  });

  it('reads a version 2 image (no audit section) with an empty audit log', () => {
    const h = new Harness();
    h.ok({ type: 'kv.put', key: 'a', value: 'secret-value' });
    const v4 = h.sm.snapshot();
    // The two audit sections are last; empty, each is its tag, its length and a zero count.
    expect(Buffer.from(v4.subarray(-12)).toString('hex')).toBe('0b0100000000' + '0c0100000000');
    const v2 = Uint8Array.from(v4.subarray(0, -12));
    v2[0] = 2;
    const restored = FleetStateMachine.restore(v2);
    expect(restored.kvGet('a')?.value).toBe('secret-value');
    expect(restored.auditEntries()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The property: snapshot at any point, restore, apply the rest to both → same answers, same bytes.
// ---------------------------------------------------------------------------------------------

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const shard = pick('s1', 's2', 's3', 's4');
const cluster = pick('c1', 'c2', 'c3', 'c10', 'c100', 'x');
// Clusters mostly bind to s1 and s2, so that compare-and-set moves often guess right.
const home = fc.oneof(w(4, pick('s1', 's2')), w(1, shard));
const fromShard = fc.oneof(w(4, pick('s1', 's2')), w(1, pick(null)));
const move = fc.record({ cluster, from: fromShard, to: shard });

const addressOf = (id: string) => `10.0.0.${id.slice(1)}:1`;

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  w(6, fc.record({ type: pick('shard.register' as const), id: shard, address: pick('h:1'), region: pick('r1', 'r2'), zone: pick('z1'), capacity: fc.nat(6), labels: fc.dictionary(pick('a', 'b', '7'), pick('x', '')) })
    // Mostly each shard's own address, sometimes a clash.
    .chain((op) => pick({ ...op, address: addressOf(op.id) }, { ...op, address: addressOf(op.id) }, op))),
  w(3, fc.record({ type: pick('shard.update' as const), id: shard, capacity: fc.nat(6) })),
  w(3, fc.record({ type: pick('shard.setState' as const), id: shard, state: pick('active' as const, 'draining' as const, 'cordoned' as const) })),
  w(3, fc.record({ type: pick('shard.remove' as const), id: shard, force: fc.boolean() })),
  w(3, fc.record({ type: pick('shard.heartbeat' as const), id: shard })),
  w(18, fc.record({ type: pick('cluster.contact' as const), cluster, shard: home })),
  w(12, fc.record({ type: pick('cluster.rebind' as const), cluster, from: fromShard, to: shard, force: fc.boolean() })),
  w(12, fc.record({ type: pick('cluster.rebindBatch' as const), moves: fc.uniqueArray(move, { minLength: 1, maxLength: 3, selector: (m) => m.cluster }), force: fc.boolean() })),
  w(6, fc.record({ type: pick('cluster.unbind' as const), cluster })),
  w(6, fc.record({ type: pick('cluster.heartbeat' as const), cluster })),
  w(1, fc.record({ type: pick('cluster.prune' as const), notSeenSinceMs: fc.integer({ min: 300_000, max: 2_000_000 }) })),
  w(3, fc.record({ type: pick('domain.assign' as const), key: pick('zone', 'rack'), value: pick('a', 'b'), shard })),
  w(3, fc.record({ type: pick('domain.unassign' as const), key: pick('zone', 'rack'), value: pick('a', 'b') })),
  w(3, fc.record({ type: pick('provider.add' as const), name: pick('p1', 'p2'), kind: pick('cloud'), regions: pick(['r1'], ['r1', 'r2']), endpoint: pick('e:1') })),
  w(3, fc.record({ type: pick('provider.remove' as const), name: pick('p1', 'p2') })),
  w(6, fc.record({ type: pick('quota.set' as const), provider: pick('p1', 'p2'), region: pick('r1', 'r2'), total: fc.nat(10), slices: fc.dictionary(shard, fc.nat(5), { maxKeys: 2 }) })),
  w(3, fc.record({ type: pick('quota.remove' as const), provider: pick('p1', 'p2'), region: pick('r1', 'r2') })),
  w(6, fc.record({ type: pick('lease.acquire' as const), name: pick('l1', 'l2'), holder: pick('h1', 'h1', 'h2'), ttlMs: fc.integer({ min: 1, max: 120_000 }) })),
  w(6, fc.record({ type: pick('lease.renew' as const), name: pick('l1', 'l2'), holder: pick('h1', 'h2'), token: fc.integer({ min: 1, max: 5 }) })),
  w(6, fc.record({ type: pick('lease.release' as const), name: pick('l1', 'l2'), holder: pick('h1', 'h2'), token: fc.integer({ min: 1, max: 5 }) })),
  // Mostly aimed at a lease's grant index (small in these histories); from a client, always refused.
  w(4, fc.record({ type: pick('lease.expire' as const), name: pick('l1', 'l2'), token: fc.integer({ min: 1, max: 5 }), renewedIndex: fc.integer({ min: 6, max: 40 }) })),
  w(6, fc.record({ type: pick('kv.put' as const), key: pick('k1', 'k2', 'é', '\u{1F600}'), value: fc.string({ maxLength: 4 }), ns: pick('', 'n1') })),
  w(3, fc.record({ type: pick('kv.delete' as const), key: pick('k1', 'k2', 'é'), ns: pick('', 'n1') })),
  w(6, fc.record({ type: pick('kv.cas' as const), key: pick('k1', 'k2'), expected: fc.option(pick('', 'a'), { nil: null }), value: pick('', 'a', 'b') })),
  w(3, fc.record({ type: pick('plan.progress' as const), planId: pick('p1', 'p2'), startedBy: pick('u'), done: fc.nat(2), total: fc.integer({ min: 2, max: 3 }), state: pick('running' as const, 'completed' as const) })),
);

interface Step {
  readonly op: Command;
  readonly clientId: string;
  /** Retry an earlier seq of the client instead of a fresh one. */
  readonly retry: boolean;
  /** Advance the client's firstIncomplete. */
  readonly ack: number;
  /** Leader wall time step; negative steps model a new leader with a slower wall clock (the registry age only moves forward, by the positive steps). */
  readonly dt: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: commandArb,
  clientId: pick('', 'a', 'b'),
  retry: fc.boolean(),
  ack: fc.nat(2),
  // Now and then an idle hour, so that sessions expire.
  dt: fc.oneof(w(30, fc.integer({ min: -2_000, max: 20_000 })), w(1, pick(3_600_001))),
});

/** Shards and providers every history starts with, so that random commands mostly meet something. */
const SETUP: Command[] = [
  ...['s1', 's2', 's3', 's4'].map((id, i): Command => ({ type: 'shard.register', id, address: `10.0.0.${i}:1`, region: 'r1', zone: 'z1', capacity: 3 })),
  { type: 'provider.add', name: 'p1', kind: 'cloud', regions: ['r1'], endpoint: 'e:1' },
];

/** Turns steps into entry bytes, with per-client seqs, retries of earlier writes and acknowledgements. */
function entries(steps: readonly Step[]): Uint8Array[] {
  const clients = new Map<string, { seq: number; first: number; sent: Map<number, Command> }>();
  let time = T0;
  let age = 0;
  const setup = SETUP.map((op) => encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time, age, op }));
  return setup.concat(
    steps.map((s) => {
      time += s.dt;
      age += Math.max(0, s.dt);
      const c = clients.get(s.clientId) ?? { seq: 0, first: 1, sent: new Map() };
      clients.set(s.clientId, c);
      const retry = s.retry && c.seq > 0;
      const seq = retry ? Math.max(1, c.seq - s.ack) : ++c.seq;
      // A retry sends the same write again, as a real client does.
      const op = retry ? c.sent.get(seq)! : s.op;
      c.sent.set(seq, op);
      c.first = Math.min(c.seq, c.first + s.ack);
      return encodeCommand({ clientId: s.clientId, seq, firstIncomplete: c.first, time, age, op });
    }),
  );
}

/** A fresh machine that has applied the first `k` entries of `data`. */
function appliedUpTo(data: readonly Uint8Array[], k: number): FleetStateMachine {
  const sm = new FleetStateMachine();
  for (let i = 0; i < k; i++) sm.apply(i + 1, data[i]!);
  return sm;
}

describe('snapshot property', () => {
  it('restore at any point, then the same entries: same answers and byte-identical snapshots', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 120, size: 'medium' }), fc.nat(), (steps, cut) => {
        const data = entries(steps);
        const k = cut % (data.length + 1);
        const replayed = new FleetStateMachine();
        const answers: ApplyResult[] = data.map((d, i) => replayed.apply(i + 1, d));
        const image = appliedUpTo(data, k).snapshot();
        const restored = FleetStateMachine.restore(image);
        expect(Buffer.from(restored.snapshot()).equals(Buffer.from(image))).toBe(true);
        for (let i = k; i < data.length; i++) expect(restored.apply(i + 1, data[i]!)).toEqual(answers[i]);
        expect(Buffer.from(restored.snapshot()).equals(Buffer.from(replayed.snapshot()))).toBe(true);
        expect(reads(restored)).toEqual(reads(replayed));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its invariants on random histories: bound counts, capacity, tokens, revisions', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 150, size: 'medium' }), (steps) => {
        const sm = new FleetStateMachine();
        let token = 0;
        let revision = 0;
        entries(steps).forEach((d, i) => {
          const r = sm.apply(i + 1, d);
          if (r.ok && r.index === i + 1 && 'lease' in r.value && 'renewed' in r.value && !r.value.renewed) {
            const t = r.value.lease.token;
            expect(t).toBeGreaterThan(token);
            token = t;
          }
          expect(sm.counts().kvRevision).toBeGreaterThanOrEqual(revision);
          revision = sm.counts().kvRevision;
        });
        const clusters = sm.listClusters({ limit: 1_000 }).items;
        for (const s of sm.listShards()) expect(s.boundClusters).toBe(clusters.filter((c) => c.shard === s.id).length);
        expect(sm.counts().unboundClusters).toBe(clusters.filter((c) => c.shard === null).length);
        for (const q of sm.listQuotas()) expect(q.allocated).toBeLessThanOrEqual(q.total);
      }),
      { numRuns: 200 },
    );
  });
});

/** Runs a job's steps, applying `between(i)` after step i; returns how many steps there were. */
function stepThrough(steps: Generator<void, void, undefined>, between: (i: number) => void): number {
  let i = 0;
  while (!steps.next().done) between(i++);
  return i;
}

describe('snapshot in steps', () => {
  it('writes the image of the moment it began, while entries go on being applied between its steps (property)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 120, size: 'medium' }), fc.nat(), (steps, cut) => {
        const data = entries(steps);
        const k = cut % (data.length + 1);
        const expected = appliedUpTo(data, k).snapshot();
        const live = appliedUpTo(data, k);
        const job = live.beginSnapshot();
        let next = k;
        stepThrough(job.steps(), () => {
          if (next < data.length) live.apply(next + 1, data[next++]!);
        });
        while (next < data.length) live.apply(next + 1, data[next++]!);
        expect(job.index).toBe(k);
        expect(Buffer.from(job.image).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a large image intact while its clusters and keys are added, changed and removed between steps', () => {
    const h = new Harness();
    for (const id of ['s1', 's2', 's3']) h.shard(id, 100_000);
    for (let i = 0; i < 12_000; i++) h.contact(`c-${String(i).padStart(6, '0')}`, `s${(i % 3) + 1}`);
    for (let i = 0; i < 6_000; i++) h.ok({ type: 'kv.put', key: `k/${String(i).padStart(6, '0')}`, value: `v${i}` });
    const expected = Buffer.from(h.sm.snapshot());
    const job = h.sm.beginSnapshot();
    // A fixed pseudo-random walk over every kind of change, including ones that split, shrink and empty chunks.
    let x = 12345;
    const rand = (n: number): number => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    const count = stepThrough(job.steps(), () => {
      for (let j = 0; j < 200; j++) {
        const c = `c-${String(rand(14_000)).padStart(6, '0')}`;
        const key = `k/${String(rand(8_000)).padStart(6, '0')}`;
        switch (rand(7)) {
          case 6: h.advance(1); h.run({ type: 'cluster.heartbeat', cluster: c }); break;
          case 0: h.run({ type: 'cluster.contact', cluster: c, shard: `s${rand(3) + 1}` }); break;
          case 1: h.run({ type: 'cluster.rebind', cluster: c, from: 's1', to: 's2' }); break;
          case 2: h.run({ type: 'cluster.unbind', cluster: c }); break;
          case 3: h.run({ type: 'kv.put', key, value: `w${j}` }); break;
          case 4: h.run({ type: 'kv.delete', key }); break;
          default: h.advance(10_000); h.run({ type: 'cluster.prune', notSeenSinceMs: 5_000 }); break;
        }
      }
    });
    expect(count).toBeGreaterThan(4);
    expect(Buffer.from(job.image).equals(expected)).toBe(true);
    expect(Buffer.from(h.sm.snapshot()).equals(expected)).toBe(false);
  });

  it('writes sessions and audit records in steps, as they were when it began, while clients go on writing', () => {
    const h = new Harness();
    // Eight clients that never report an answer seen: 12,000 answers remembered, and a full client audit ring.
    const seqs = new Array<number>(8).fill(0);
    const write = (i: number): void => {
      const c = i % 8;
      h.run({ type: 'kv.put', key: `k/${i % 3_000}`, value: `v${i}` }, { clientId: `cli-${c}`, seq: ++seqs[c]!, firstIncomplete: 1 });
    };
    for (let i = 0; i < 12_000; i++) write(i);
    const expected = Buffer.from(h.sm.snapshot());
    const job = h.sm.beginSnapshot();
    let i = 12_000;
    // Between steps: new answers, sessions forgotten as their floors move, audit records pushed out of the ring.
    const steps = stepThrough(job.steps(), (step) => {
      for (let j = 0; j < 300; j++) write(i++);
      const c = step % 8;
      h.run({ type: 'kv.put', key: 'floor', value: String(step) }, { clientId: `cli-${c}`, seq: ++seqs[c]!, firstIncomplete: seqs[c]! });
    });
    expect(Buffer.from(job.image).equals(expected)).toBe(true);
    expect(Buffer.from(h.sm.snapshot()).equals(expected)).toBe(false);
    // A step per 2,048 answers and per 2,048 audit records, not one for the whole of them.
    expect(steps).toBeGreaterThanOrEqual(Math.floor(12_000 / 2_048) + Math.floor(10_000 / 2_048));
  });

  it('writes an image out through one reused 1 MiB buffer, its section lengths patched after they have left it', () => {
    const h = new Harness();
    for (const id of ['s1', 's2']) h.shard(id, 100_000);
    for (let i = 0; i < 20_000; i++) h.contact(`c-${String(i).padStart(6, '0')}`, `s${(i % 2) + 1}`);
    for (let i = 0; i < 7_000; i++) h.ok({ type: 'kv.put', key: `fill/${i}`, value: 'x'.repeat(300) });
    const expected = Buffer.from(h.sm.snapshot());
    expect(expected.length).toBeGreaterThan(2 << 20);
    const job = h.sm.beginSnapshot();
    const out = Buffer.alloc(expected.length);
    const writes: { offset: number; length: number }[] = [];
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      stepThrough(job.steps((bytes, offset) => {
        out.set(bytes, offset);
        writes.push({ offset, length: bytes.length });
      }), () => undefined);
      expect(spy.mock.calls.filter(([size]) => size >= 64 * 1024)).toEqual([[1 << 20]]);
    } finally {
      spy.mockRestore();
    }
    expect(job.length).toBe(expected.length);
    expect(out.equals(expected)).toBe(true);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThanOrEqual(1 << 20);
    // The keys' section length, written back over a piece already handed over.
    const patches = writes.filter((w, i) => i > 0 && w.offset < writes[i - 1]!.offset + writes[i - 1]!.length);
    expect(patches.map((p) => p.length)).toEqual([4]);
    expect(() => job.image).toThrow(/wrote the image out/);
  });

  it('sizes the buffer of a KV-heavy image up front: one allocation, no growth, and no copy at the end', () => {
    const h = new Harness();
    for (let i = 0; i < 5_000; i++) h.ok({ type: 'kv.put', key: `fill/${i}`, value: 'x'.repeat(256), ns: i % 2 ? 'team-a' : '' });
    const job = h.sm.beginSnapshot();
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      stepThrough(job.steps(), () => undefined);
      const large = spy.mock.calls.filter(([size]) => size >= 64 * 1024);
      expect(large).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
    // A view of that one buffer: it was at least four-fifths full.
    expect(job.image.buffer.byteLength).toBeGreaterThanOrEqual(job.image.length);
    expect(job.image.buffer.byteLength).toBeLessThanOrEqual(job.image.length * 1.25);
  });
});
