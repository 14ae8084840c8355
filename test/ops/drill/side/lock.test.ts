import { describe, expect, it } from 'vitest';
import { FleetClientError } from '../../../../src/client/index.js';
import { monotonicClock, pause } from '../../../../src/ops/drill/clock.js';
import { checkLock, createLockWorkload, type LockClient } from '../../../../src/ops/drill/side/lock.js';
import type { SideOp } from '../../../../src/ops/drill/side/types.js';

const LOCK = 'r1/lock-0';
const TTL_MS = 3_000;

/** An ok acquire of `LOCK` by `c<client>`, sent at `startMs` and answered at `endMs`. */
function acquired(client: number, token: number, startMs: number, endMs: number, key = LOCK): SideOp {
  return { client, f: 'acquire', key, input: `r1/c${client}`, output: token, outcome: 'ok', startNs: startMs * 1e6, endNs: endMs * 1e6 };
}

/** A refused (`fail`) or unknown (`info`) acquire of `LOCK`. */
function refused(client: number, startMs: number, endMs: number, outcome: 'fail' | 'info' = 'fail'): SideOp {
  const error = outcome === 'fail' ? 'refused' : 'timeout';
  return { client, f: 'acquire', key: LOCK, input: `r1/c${client}`, output: null, outcome, startNs: startMs * 1e6, endNs: endMs * 1e6, error };
}

function released(client: number, token: number, startMs: number, endMs: number, key = LOCK): SideOp {
  return { client, f: 'release', key, input: { holder: `r1/c${client}`, token }, output: null, outcome: 'ok', startNs: startMs * 1e6, endNs: endMs * 1e6 };
}

describe('checkLock', () => {
  it('finds two holders at once, with just the operations that show it', () => {
    const first = acquired(1, 7, 800, 812);
    const second = acquired(3, 8, 840, 850);
    const release = released(1, 7, 901, 905);
    const ops = [acquired(2, 5, 100, 110, 'r1/lock-1'), released(2, 5, 200, 210, 'r1/lock-1'), first, refused(2, 820, 830), second, release, released(3, 8, 960, 970)];
    const result = checkLock(ops, TTL_MS);
    expect(result.ok).toBe(false);
    expect(result.anomaly?.ops).toEqual([first, second, release]);
    expect(result.anomaly?.summary).toContain('c1 held r1/lock-0 (token 7) from 812 ms to 901 ms');
    expect(result.anomaly?.summary).toContain('while c3 held it (token 8) from 850 ms to 960 ms');
  });

  it('passes grants back to back: the release was sent before the next grant was acknowledged', () => {
    const ops = [acquired(1, 7, 0, 10), acquired(2, 8, 40, 55), released(1, 7, 50, 60), released(2, 8, 70, 80)];
    expect(checkLock(ops, TTL_MS)).toEqual({ ok: true, detail: '1 lock, 2 grants, 0 overlapping holders, tokens increasing' });
  });

  it('ends a window at the ttl counted from the acquire’s start when the holder never released', () => {
    const ttlMs = 100;
    expect(checkLock([acquired(1, 7, 0, 10), acquired(2, 8, 95, 105)], ttlMs).ok).toBe(true);
    // Acknowledged before the first holder's ttl ran out: both counted on the lock at 99 ms.
    const early = checkLock([acquired(1, 7, 0, 10), acquired(2, 8, 90, 99)], ttlMs);
    expect(early.ok).toBe(false);
    expect(early.anomaly?.summary).toContain('to 100 ms (when its ttl ran out)');
  });

  it('does not count a grant answered after its ttl ran out', () => {
    // c1 learned of its grant at 150 ms, past its ttl; the registry could rightly grant c2 at 120 ms.
    const result = checkLock([acquired(1, 7, 0, 150), acquired(2, 8, 110, 130)], 100);
    expect(result).toEqual({ ok: true, detail: '1 lock, 2 grants (1 grant answered too late to count), 0 overlapping holders, tokens increasing' });
  });

  it('finds a token that did not grow for a new holder', () => {
    const first = acquired(1, 8, 0, 10);
    const release = released(1, 8, 20, 25);
    const second = acquired(2, 7, 30, 40);
    const result = checkLock([first, release, second, released(2, 7, 50, 55)], TTL_MS);
    expect(result.ok).toBe(false);
    expect(result.anomaly?.ops).toEqual([first, release, second]);
    expect(result.anomaly?.summary).toContain('c2 was granted r1/lock-0 with token 7 at 40 ms, after c1 held it with token 8');
  });

  it('takes a renewal (same holder, same token) for the grant it renews', () => {
    const ops = [acquired(1, 7, 0, 10), acquired(1, 7, 20, 30), released(1, 7, 40, 45), acquired(2, 8, 50, 60)];
    expect(checkLock(ops, TTL_MS)).toEqual({ ok: true, detail: '1 lock, 2 grants, 0 overlapping holders, tokens increasing' });
  });

  it('finds the same token answered to a holder after a newer one', () => {
    const ops = [acquired(1, 7, 0, 10), released(1, 7, 20, 25), acquired(2, 8, 30, 40), released(2, 8, 50, 55), acquired(1, 7, 60, 70)];
    expect(checkLock(ops, TTL_MS).anomaly?.summary).toContain('c1 was granted r1/lock-0 with token 7 at 70 ms, after c2 held it with token 8');
  });

  it('makes no window of a refused or unknown acquire', () => {
    const ops = [acquired(1, 7, 0, 10), refused(2, 12, 15), refused(3, 12, 20, 'info'), released(1, 7, 30, 35)];
    expect(checkLock(ops, TTL_MS)).toEqual({ ok: true, detail: '1 lock, 1 grant, 0 overlapping holders, tokens increasing' });
  });
});

/** A lease as the fakes keep it. */
interface FakeLease {
  holder: string;
  token: number;
  expiresAtMs: number;
}

/** In-memory leases. `broken` grants every acquire (new token each time): the planted bug the checker must catch. */
class FakeLeases {
  readonly leases = new Map<string, FakeLease>();
  readonly holders: string[] = [];
  #tokens = 0;

  constructor(private readonly broken = false) {}

  client(): LockClient {
    return {
      acquire: async (name, holder, ttlMs) => {
        await tick();
        this.holders.push(holder);
        const lease = this.leases.get(name);
        const live = lease !== undefined && lease.expiresAtMs > Date.now();
        if (live && lease.holder !== holder && !this.broken) {
          throw new FleetClientError('precondition', `lease ${name} is held by ${lease.holder}`, { code: 'FAILED_PRECONDITION' });
        }
        const token = live && lease.holder === holder ? lease.token : ++this.#tokens;
        this.leases.set(name, { holder, token, expiresAtMs: Date.now() + ttlMs });
        await tick();
        return { token };
      },
      release: async (name, holder, token) => {
        await tick();
        const lease = this.leases.get(name);
        if (lease?.holder !== holder || lease.token !== token) {
          throw new FleetClientError('precondition', `lease ${name} is not held by ${holder} with token ${token}`, { code: 'FAILED_PRECONDITION' });
        }
        this.leases.delete(name);
        await tick();
      },
      close: () => {},
    };
  }
}

/** A short await, so that clients interleave. */
function tick(): Promise<void> {
  return pause(Math.random() * 2);
}

async function runLock(newClient: () => LockClient, ms = 400) {
  const workload = createLockWorkload({ round: 1, clients: 4, clock: monotonicClock(), prefix: 'r1', newClient });
  await workload.start();
  await pause(ms);
  await workload.stop();
  const verdict = await workload.verify();
  await workload.cleanup();
  return verdict;
}

describe('the lock workload', () => {
  it('passes against a correct lock, and releases every lock on stop', async () => {
    const leases = new FakeLeases();
    const verdict = await runLock(() => leases.client());
    expect(verdict.check).toMatchObject({ name: 'lock', ok: true, severity: 'safety' });
    expect(verdict.acknowledged).toBeGreaterThan(1);
    expect(verdict.failed).toBeGreaterThan(0);
    expect(verdict.indeterminate).toBe(0);
    expect(verdict.anomaly).toBeUndefined();
    expect(leases.leases.size).toBe(0);
  });

  it('finds two holders when the lock lets every acquire in', async () => {
    const leases = new FakeLeases(true);
    const verdict = await runLock(() => leases.client(), 200);
    expect(verdict.check.ok).toBe(false);
    expect(verdict.anomaly?.summary).toContain('two holders at once');
  });

  it('takes a new holder name after an acquire with an unknown outcome', async () => {
    const leases = new FakeLeases();
    let timedOut = false;
    const flaky = (): LockClient => {
      const client = leases.client();
      return {
        ...client,
        acquire: async (name, holder, ttlMs) => {
          if (timedOut) return client.acquire(name, holder, ttlMs);
          timedOut = true;
          throw new FleetClientError('timeout', 'no answer');
        },
      };
    };
    const verdict = await runLock(flaky, 100);
    expect(verdict.indeterminate).toBe(1);
    expect(verdict.check.ok).toBe(true);
    const renamed = leases.holders.filter((h) => /^r1\/c\d\.1$/.test(h));
    expect(renamed.length).toBeGreaterThan(0);
  });
});
