/**
 * Issue 17's clock item, replayed on real FleetNodes in simulated time: one member's wall clock
 * is two hours ahead. When it leads, a lease another leader granted must not pass to a second
 * holder, and client sessions must not be dropped as idle (so a retried write still applies
 * once); when leadership moves back, a short lease must expire on time; and an idle cluster
 * must not list an expired lease as live. Before the fix each of these failed.
 */
import { describe, expect, it } from 'vitest';
import type { ApplyResult, Command, FleetStateMachine, LeaseStatus } from '../../../src/core/fleet/index.js';
import { RealCluster } from './cluster.js';

const TWO_HOURS_MS = 2 * 3600_000;

/** A scripted cluster: no faults, no random clients; n1's wall clock two hours ahead. Members' log lines go to `log`. */
function skewedCluster(log?: (line: string) => void): RealCluster {
  return new RealCluster({
    seed: 17,
    ...(log === undefined ? {} : { log }),
    nodes: 3,
    faults: new Set(),
    diskFaults: false,
    clocks: [
      { rate: 1, wallOffsetMs: TWO_HOURS_MS },
      { rate: 1, wallOffsetMs: 0 },
      { rate: 1, wallOffsetMs: 0 },
    ],
  });
}

/** Runs simulated time until `cond` holds, for at most `maxMs`. */
async function until(cluster: RealCluster, what: string, cond: () => boolean, maxMs = 10_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited >= maxMs) throw new Error(`${what}: not within ${maxMs} ms of simulated time`);
    await cluster.runFor(20);
  }
}

/** Settles a promise the members answer, by running simulated time. */
async function settle<T>(cluster: RealCluster, what: string, p: Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; err: unknown } | undefined;
  p.then(
    (value) => (outcome = { ok: true, value }),
    (err: unknown) => (outcome = { ok: false, err }),
  );
  await until(cluster, what, () => outcome !== undefined);
  if (!outcome!.ok) throw outcome!.err;
  return outcome!.value;
}

/** Makes `id` the leader, and lets it apply an entry of its own term (so its lease timers run). */
async function lead(cluster: RealCluster, id: string): Promise<void> {
  await until(cluster, 'a leader', () => cluster.leader() !== undefined);
  const current = cluster.leader()!;
  if (current.id !== id) await settle(cluster, `transfer to ${id}`, current.node!.transferLeadership(id));
  await until(cluster, `${id} leading`, () => cluster.leader()?.id === id && cluster.leaderAgreed());
  await cluster.runFor(500);
}

function write(cluster: RealCluster, op: Command, clientId: string, seq: number): Promise<ApplyResult> {
  const node = cluster.node(cluster.leader()!.id)!;
  return settle(cluster, `${op.type} by ${clientId}`, node.write({ clientId, seq, firstIncomplete: seq, op }));
}

function leases(cluster: RealCluster, id: string): Promise<LeaseStatus[]> {
  return settle(cluster, 'leases list', cluster.node(id)!.read({ mode: 'min-index', index: 0 }, (sm: FleetStateMachine) => sm.listLeases())).then((r) => r.value);
}

describe('leases and sessions under a member whose wall clock is two hours ahead (issue 17)', () => {
  it('does not grant a second holder a lease with time to run when the skewed member leads', async () => {
    const cluster = skewedCluster();
    await lead(cluster, 'n2');
    expect((await write(cluster, { type: 'lease.acquire', name: 'L', holder: 'A', ttlMs: 20_000 }, 'A', 1)).ok).toBe(true);
    await lead(cluster, 'n1');
    const stolen = await write(cluster, { type: 'lease.acquire', name: 'L', holder: 'B', ttlMs: 20_000 }, 'B', 1);
    expect(stolen, 'a second holder was granted a lease that still had time to run').toMatchObject({ ok: false, code: 'FAILED_PRECONDITION' });
    // The lease still ends: A's, never renewed, is expired within its ttl and the bound of the new leader's timer.
    await cluster.runFor(25_000);
    expect((await leases(cluster, 'n3')).find((l) => l.name === 'L')).toMatchObject({ holder: 'A', expired: true });
    expect((await write(cluster, { type: 'lease.acquire', name: 'L', holder: 'B', ttlMs: 20_000 }, 'B', 2)).ok).toBe(true);
  }, 60_000);

  it('keeps client sessions when the skewed member leads: a retried write is still applied once', async () => {
    const lines: string[] = [];
    const cluster = skewedCluster((line) => lines.push(line));
    await lead(cluster, 'n2');
    const put = await write(cluster, { type: 'kv.put', key: 'k', value: 'v' }, 'W', 1);
    expect(put.ok).toBe(true);
    await lead(cluster, 'n1');
    // The retry is answered from the session, with the first answer, marked as a repeat.
    expect(await write(cluster, { type: 'kv.put', key: 'k', value: 'v' }, 'W', 1)).toEqual({ ...put, duplicate: true });
    // The followers see, and say, how far the leader's wall clock is off from theirs.
    const offsets = ['n2', 'n3'].map((id) => cluster.node(id)!.clockOffset());
    expect(offsets.every((o) => o !== undefined && o > TWO_HOURS_MS - 1_000)).toBe(true);
    const warned = lines.filter((l) => / warn: the leader's wall clock is 7[12]\d{5} ms ahead of this member's/.test(l));
    expect(warned.map((l) => l.split(' ')[1]).sort()).toEqual(['n2', 'n3']);
    // And report it, for `fleet status` to name the skewed member (src/ops/status.ts, clockWarnings).
    expect(cluster.node('n2')!.status().clockOffsetMs).toBeGreaterThan(TWO_HOURS_MS - 1_000);
    expect(cluster.node('n1')!.status().clockOffsetMs, 'the leader reports no offset from itself').toBeUndefined();
  }, 60_000);

  it('expires a short lease on time after leadership moved back, on an idle cluster, as every member lists it', async () => {
    const cluster = skewedCluster();
    await lead(cluster, 'n1');
    await write(cluster, { type: 'kv.put', key: 'k', value: 'v' }, 'W', 1);
    await lead(cluster, 'n2');
    expect((await write(cluster, { type: 'lease.acquire', name: 'S', holder: 'C', ttlMs: 1_000 }, 'C', 1)).ok).toBe(true);
    // No write from here on: only the leader's own timer can end the lease (1 s x 1.01 + a 1 s bound).
    await cluster.runFor(3_000);
    for (const id of ['n1', 'n2', 'n3']) expect((await leases(cluster, id)).find((l) => l.name === 'S'), id).toMatchObject({ expired: true, remainingMs: 0 });
    expect((await write(cluster, { type: 'lease.acquire', name: 'S', holder: 'D', ttlMs: 1_000 }, 'D', 1)).ok).toBe(true);
  }, 60_000);
});

describe('clock offsets from fresh evidence only', () => {
  it('a member catching up on old entries shows no offset from them (clocks agree), and one from new entries', async () => {
    const cluster = new RealCluster({ seed: 38, nodes: 3, faults: new Set(), diskFaults: false, clocks: [{ rate: 1, wallOffsetMs: 0 }, { rate: 1, wallOffsetMs: 0 }, { rate: 1, wallOffsetMs: 0 }] });
    await lead(cluster, 'n1');
    cluster.network.isolate('n3', ['n1', 'n2', 'n3']);
    // 90 s of writes n3 does not see, in n1's term: each stamped with n1's wall time when made.
    for (let i = 0; i < 9; i++) {
      await settle(cluster, `write ${i}`, write(cluster, { type: 'kv.put', key: `k${i}`, value: 'v' }, 'c1', i + 1));
      await cluster.runFor(10_000);
    }
    cluster.heal();
    await until(cluster, 'n3 to catch up', () => cluster.caughtUp(), 20_000);
    // Before the fix: n3 read the last caught-up entry's 10 s-old stamp as the leader's clock being 10 s behind.
    expect(cluster.node('n3')!.status().clockOffsetMs ?? 0).toBeGreaterThan(-1_000);
    await settle(cluster, 'a fresh write', write(cluster, { type: 'kv.put', key: 'fresh', value: 'v' }, 'c1', 10));
    await cluster.runFor(500);
    expect(Math.abs(cluster.node('n3')!.status().clockOffsetMs ?? Infinity)).toBeLessThan(1_000);
  }, 60_000);
});
