/**
 * The lease-timing rule (issue 43, docs/library.md "When a lease expires"), checked from outside
 * on real members: a holder renews around the expiry each answer showed, early and late, while
 * the leader is killed again and again. A renewal sent before the shown expiry is never refused;
 * one accepted after it says so (`extended`) and why, and the why holds: `margin` only within
 * ttl × 1 % + one election timeout (+ the leader's apply delay), `leader-change` only when a
 * leader did change since the answer it outlived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClientError, type FleetClient, type LeaseView } from '../../src/client/index.js';
import { LEASE_GRACE_MS } from '../../src/core/fleet/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

const TTL_MS = 1_500;
const ELECTION_TIMEOUT_MS = 1_000;
/** The leader applies a grant a little after it stamped it, more so on a loaded machine. */
const APPLY_SLACK_MS = 400;
/** The keyspace's lessor times a lease for ttl × 1.02 (the clocks' drift) and the grace. */
const MARGIN_MS = TTL_MS * 0.02 + LEASE_GRACE_MS + APPLY_SLACK_MS;

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ electionTimeout: `${ELECTION_TIMEOUT_MS}ms` });
}, 60_000);
afterAll(async () => cluster?.destroy());

interface Renewal {
  readonly sentAt: number;
  /** The expiry the answer before it showed. */
  readonly shownExpiry: number;
  readonly outcome: LeaseView | FleetClientError;
  readonly answeredAt: number;
}

/** Kills the current leader and starts it again, `rounds` times, `everyMs` apart; records when. */
async function killLeaders(rounds: number, everyMs: number, kills: number[]): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, everyMs));
    const leader = await cluster.waitForLeader();
    kills.push(Date.now());
    await cluster.kill(leader);
    cluster.restart(leader);
  }
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/** Renews `lease` at offsets around each shown expiry until `until`; re-acquires after a refusal. */
async function renewAroundExpiry(client: FleetClient, first: LeaseView, until: number): Promise<Renewal[]> {
  const out: Renewal[] = [];
  // Offsets from the shown expiry: early, just before, just after, well inside the margin.
  const offsets = [-400, -60, 40, 250, 600, -200, 900, 120];
  let lease = first;
  for (let i = 0; Date.now() < until; i++) {
    const shownExpiry = lease.expiresAt;
    await sleepUntil(shownExpiry + offsets[i % offsets.length]!);
    const sentAt = Date.now();
    const outcome = await client.renewLease(lease.name, lease.holder, lease.token).then(
      (r) => r.lease,
      (e: unknown) => {
        if (e instanceof FleetClientError) return e;
        throw e;
      },
    );
    out.push({ sentAt, shownExpiry, outcome, answeredAt: Date.now() });
    lease = outcome instanceof FleetClientError ? (await client.acquireLease(lease.name, lease.holder, TTL_MS)).lease : outcome;
  }
  return out;
}

describe('when a lease expires, as the answers show it', () => {
  it('never refuses a renewal sent before the shown expiry, and says why it accepted one after it', async () => {
    const client = cluster.client({ overallTimeoutMs: 15_000 });
    await cluster.waitForLeader();
    const first = (await client.acquireLease('timing', 'holder-a', TTL_MS)).lease;
    const kills: number[] = [];
    const [renewals] = await Promise.all([renewAroundExpiry(client, first, Date.now() + 24_000), killLeaders(3, 6_000, kills)]);

    const refusedEarly = renewals.filter((r) => r.outcome instanceof FleetClientError && r.sentAt < r.shownExpiry);
    expect(refusedEarly.map((r) => (r.outcome as Error).message)).toEqual([]);
    // Accepted although its stamp (new expiry − ttl) is past the shown expiry: each must explain itself.
    const late = renewals.flatMap((r) => (r.outcome instanceof FleetClientError ? [] : [{ ...r, lease: r.outcome, stampedLateMs: r.outcome.expiresAt - TTL_MS - r.shownExpiry }])).filter((r) => r.stampedLateMs > 50);
    for (const r of late) {
      expect(r.lease.extended, `a renewal stamped ${r.stampedLateMs} ms after the shown expiry says nothing`).toBeDefined();
      const x = r.lease.extended!;
      if (x.reason === 'margin') {
        expect(x.lateMs, 'a late renewal by the same leader beyond its margin').toBeLessThanOrEqual(MARGIN_MS);
      } else {
        expect(x.reason).toBe('leader-change');
        expect(kills.some((k) => k < r.answeredAt && k > r.shownExpiry - TTL_MS - 1_000), `leader-change without a kill near ${r.sentAt}`).toBe(true);
      }
    }
    // Not vacuous: renewals were sent on both sides of the shown expiry, and some came late and were accepted.
    expect(renewals.filter((r) => r.sentAt < r.shownExpiry).length).toBeGreaterThan(5);
    expect(renewals.filter((r) => r.sentAt > r.shownExpiry).length).toBeGreaterThan(5);
    expect(late.filter((r) => r.lease.extended?.reason === 'margin').length).toBeGreaterThan(0);
    await waitFor('a leader after the last kill', async () => ((await cluster.waitForLeader()) ? true : undefined), 30_000);
  }, 90_000);
});
