/**
 * Drill reports and histories made up for the report renderers' tests: a kill-leader drill of
 * any number of rounds, with a workload whose operations stall and fail around each fault.
 */
import type { DrillOptions, DrillReport, RoundReport } from '../../../src/ops/drill/index.js';
import type { HistoryEvent } from '../../../src/ops/history/index.js';

/** The options of a made-up drill. */
export function options(overrides: Partial<DrillOptions> = {}): DrillOptions {
  return {
    drill: 'kill-leader',
    rounds: 1,
    clients: 8,
    keys: 16,
    warmupMs: 3_000,
    observeMs: 10_000,
    restart: true,
    slo: { unavailableMs: 5_000, newLeaderMs: 5_000 },
    maxLag: 100,
    settleMs: 30_000,
    opTimeoutMs: 1_000,
    pauseMs: 5_000,
    isolate: 'leader',
    partitionMs: 10_000,
    ...overrides,
  };
}

/** Round `n` of a made-up drill: its workload ran from n×20 s for 14 s, the fault at +3 s. */
export function round(n: number, overrides: Partial<RoundReport> = {}): RoundReport {
  const start = (n - 1) * 20_000;
  const fault = start + 3_000;
  const leaders = ['n1', 'n2', 'n3'];
  const old = leaders[(n - 1) % 3]!;
  const next = leaders[n % 3]!;
  return {
    round: n,
    target: old,
    killed: old,
    faultAtMs: fault,
    oldLeader: old,
    newLeader: next,
    newLeaderMs: 312,
    unavailableMs: 845,
    unavailableTotalMs: 845,
    windows: [{ fromMs: fault - 10, toMs: fault + 835, unrecovered: false }],
    catchupMs: 1_200,
    ops: 5_230,
    opsPerSec: 400,
    acknowledged: 2_011,
    failed: 130,
    indeterminate: 3,
    lost: 0,
    duplicated: 0,
    linearizable: true,
    checks: [
      { name: 'new-leader', ok: true, detail: `${next} leads term 3`, severity: 'slo' },
      { name: 'caught-up-after-restore', ok: true, detail: `${old} caught up in 1200 ms`, severity: 'slo' },
      { name: 'slo-unavailable', ok: true, detail: 'longest unavailability 845 ms (SLO 5000 ms)', severity: 'slo' },
      { name: 'slo-new-leader', ok: true, detail: 'new leader after 312 ms (SLO 5000 ms)', severity: 'slo' },
    ],
    extra: { upMs: 400 },
    startMs: start,
    endMs: start + 14_000,
    marks: [
      { atMs: fault, kind: 'fault', label: `kill ${old}` },
      { atMs: fault + 312, kind: 'new-leader', label: `${next} leads` },
      { atMs: fault + 10_000, kind: 'repair', label: `restart ${old}` },
      { atMs: fault + 11_200, kind: 'caught-up', label: `${old} caught up` },
    ],
    ...overrides,
  };
}

/** A passing report of `rounds` rounds (each as `round(n)`). */
export function report(rounds = 1, overrides: Partial<DrillReport> = {}): DrillReport {
  const list = overrides.rounds ?? Array.from({ length: rounds }, (_, i) => round(i + 1));
  return {
    drill: 'kill-leader',
    verdict: 'pass',
    reason: `${list.length} rounds: nothing lost, nothing applied twice, history linearizable, every SLO met`,
    startedAt: '2026-01-02T03:04:05.678Z',
    elapsedMs: rounds * 20_000,
    options: options({ rounds }),
    injector: 'local',
    rounds: list,
    summary: { unavailableMs: { median: 845, max: 845 }, newLeaderMs: { median: 312, max: 312 }, catchupMs: { median: 1_200, max: 1_200 } },
    linearizable: true,
    violations: [],
    aborted: null,
    historyEvents: 0,
    environment: {
      clusterName: 'fleet-test',
      leader: 'n1',
      term: 2,
      members: ['n1', 'n2', 'n3'].map((id, i) => ({ id, address: `127.0.0.1:${7781 + i}`, version: '0.1.0' })),
      fleetVersion: '0.1.0',
      nodeVersion: 'v20.0.0',
    },
    ...overrides,
  };
}

/** A deterministic pseudo-random source (a linear congruential generator), so fixtures are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The history of `report`'s rounds: `clients` closed-loop clients per round, each operation
 * taking a few ms — except those in flight at a fault, which stall until the window closes and
 * end failed or indeterminate.
 */
export function history(r: DrillReport, opsPerRound = 5_000): HistoryEvent[] {
  const random = seeded(42);
  const events: HistoryEvent[] = [];
  let process = 0;
  for (const rr of r.rounds) {
    const start = (rr.startMs ?? 0) * 1e6;
    const end = (rr.endMs ?? 0) * 1e6;
    const window = rr.windows[0];
    const perClient = Math.ceil(opsPerRound / r.options.clients);
    // Each client's operations spread over the whole round.
    const gap = (end - start) / perClient;
    for (let c = 0; c < r.options.clients; c++) {
      let t = start + c * 1e5;
      let p = process++;
      for (let i = 0; i < perClient && t < end; i++) {
        const dice = random();
        const f = dice < 0.4 ? 'read' : dice < 0.8 ? 'write' : 'cas';
        const key = `r${rr.round}-k${String(Math.floor(random() * r.options.keys)).padStart(2, '0')}`;
        const value = f === 'read' ? null : f === 'cas' ? [null, `${rr.round}.${c}.${i}`] : `${rr.round}.${c}.${i}`;
        let latency = (0.5 + random() * 4) * 1e6;
        let type: HistoryEvent['type'] = 'ok';
        if (window && t >= window.fromMs * 1e6 && t < window.toMs * 1e6) {
          latency = window.toMs * 1e6 - t + random() * 1e6;
          type = f === 'read' ? 'fail' : random() < 0.1 ? 'info' : 'fail';
        }
        events.push({ process: p, type: 'invoke', f, key, value, time: t });
        events.push({ process: p, type, f, key, value: f === 'read' ? null : value, time: t + latency });
        if (type === 'info') p = process++;
        t += Math.max(latency + 1e5, gap);
      }
    }
  }
  return events.sort((a, b) => a.time - b.time);
}
