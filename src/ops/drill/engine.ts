/**
 * The drill engine: for each round, check the steady state, start the recorded workload, let
 * the scenario inject its fault and measure, stop the workload, read every register back and
 * verify; then a verdict over all rounds. Whatever happens — a failed check, an error, Ctrl-C —
 * the cluster is restored before the engine returns (members it took down are restarted when
 * restarts are on, pauses resumed, partitions healed). A member the drill could not bring back
 * stops the drill: the verdict names it and the reason it gave, rather than letting the next
 * round blame an unreachable member.
 */
import { randomBytes } from 'node:crypto';
import { CliError, EXIT } from '../../common/errors.js';
import { HistoryRecorder, type HistoryEvent } from '../history/index.js';
import { monotonicClock, nsToMs, pause, type DrillClock } from './clock.js';
import type { FaultInjector } from './injector.js';
import { quantile, stallThresholdNs, unavailableWindows, windowMs } from './measure.js';
import type { RegisterClient } from './register-client.js';
import { linearizableOf, sloChecks, summaryOf, verdictOf } from './report/report.js';
import { roundLatency } from './report/report-data.js';
import { restartMember, type FaultOutcome, type RoundContext, type Scenario } from './scenarios/scenario.js';
import { partition } from './scenarios/scenario-partition.js';
import { killFollower, killLeader, pauseLeader, rollingRestart, upgrade } from './scenarios/scenarios-process.js';
import { wan } from './scenarios/scenario-wan.js';
import { chaos } from './scenarios/scenario-chaos.js';
import { waitForSteadyState, type ClusterProbe, type MemberRef, type SteadyState } from './steady-state.js';
import type { AbortInfo, DrillEnvironment, DrillName, DrillOptions, DrillProgress, DrillReport, OpRecord, RoundReport, Violation } from './types.js';
import { verifyRound, type FinalRead } from './verify.js';
import { ProcessNumbers, Workload, roundKeys } from './workload.js';
import { createSideWorkloads, type SideClients } from './side/index.js';
import type { SideVerdict, SideWorkload } from './side/types.js';
import { roundMarks } from './report/timeline.js';

/** The scenario of each drill. */
/** How often a warm-up that has no acknowledged write yet looks again. */
const FIRST_ACK_POLL_MS = 50;

export const SCENARIOS: Readonly<Record<DrillName, Scenario>> = {
  'kill-leader': killLeader,
  'kill-follower': killFollower,
  'pause-leader': pauseLeader,
  partition,
  'rolling-restart': rollingRestart,
  upgrade,
  wan,
  chaos,
};

/** What the engine works with; tests pass fakes. */
export interface DrillDeps {
  readonly probe: ClusterProbe;
  readonly injector: FaultInjector;
  /** A new client for one workload client (or the verifier); `prefix` scopes the drill's keys. */
  readonly newClient: (prefix: string) => RegisterClient;
  readonly clock?: DrillClock;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DrillProgress) => void;
  /** Unique per run (default: random): the drill's keys live under it, so every register starts absent. */
  readonly runId?: string;
  readonly random?: () => number;
  /** The version of fleet running the drill, for the report (default `unknown`). */
  readonly fleetVersion?: string;
  /** Clients of the side workloads (`DrillOptions.sideWorkloads`); a drill that names any needs them. */
  readonly sideClients?: SideClients;
}

/** The report and the whole recorded history. */
export interface DrillResult {
  readonly report: DrillReport;
  readonly history: readonly HistoryEvent[];
}

/** Refuses, before anything runs, a drill the injector cannot carry out. */
export function preflight(scenario: Scenario, opts: DrillOptions, injector: FaultInjector, sideClients?: SideClients): void {
  const side = opts.sideWorkloads ?? [];
  if (side.length > 0 && sideClients === undefined) {
    const what = side.length === 1 ? `the ${side[0]} workload speaks` : `the ${side.join(', ')} workloads speak`;
    throw new CliError(`${what} fleet.v1, which this cluster does not serve`, { exitCode: EXIT.usage, code: 'DRILL_UNSUPPORTED', hint: 'drop --with (or pass --with none)' });
  }
  const missing = scenario.needs(opts).filter((a) => !injector.can(a));
  if (missing.length === 0) return;
  const hint =
    missing[0] === 'partition'
      ? 'partitions go through the Drills API: start the members with --enable-drills and use the admin token'
      : missing[0] === 'restart'
        ? 'pass --no-restart, or drill members whose processes are on this machine (a local cluster, or --pids)'
        : 'drill a local cluster (fleet init) or pass --pids ID=PID,… for members on this machine';
  throw new CliError(`${opts.drill} needs to ${missing.join(' and ')} members, which the ${injector.kind} fault injector cannot do`, { exitCode: EXIT.usage, code: 'DRILL_UNSUPPORTED', hint });
}

/** Runs a drill to its verdict. Throws only for errors that are not findings (bad options, an injector failure, Ctrl-C). */
export async function runDrill(opts: DrillOptions, deps: DrillDeps): Promise<DrillResult> {
  const scenario = SCENARIOS[opts.drill];
  preflight(scenario, opts, deps.injector, deps.sideClients);
  return new DrillRun(opts, deps, scenario).execute();
}

/** One run of a drill: the rounds so far and what they found. */
class DrillRun {
  readonly #opts: DrillOptions;
  readonly #deps: DrillDeps;
  readonly #scenario: Scenario;
  readonly #clock: DrillClock;
  readonly #recorder: HistoryRecorder;
  readonly #processes = new ProcessNumbers();
  readonly #down = new Map<string, MemberRef>();
  readonly #prefix: string;
  readonly #rounds: RoundReport[] = [];
  readonly #violations: Violation[] = [];
  /** Every round's side workloads, for the cleanup at the end. */
  readonly #sideWorkloads: SideWorkload[] = [];
  #aborted: AbortInfo | null = null;
  /** The cluster as the first steady state found it. */
  #environment: DrillEnvironment | null = null;
  #progress: DrillProgress;

  constructor(opts: DrillOptions, deps: DrillDeps, scenario: Scenario) {
    this.#opts = opts;
    this.#deps = deps;
    this.#scenario = scenario;
    this.#clock = deps.clock ?? monotonicClock();
    this.#recorder = new HistoryRecorder(() => this.#clock.nowNs());
    this.#prefix = deps.runId ?? `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    this.#progress = { round: 0, rounds: opts.rounds, phase: 'steady-state', leader: null, opsPerSec: 0, acknowledged: 0, compareFailed: 0, failed: 0, indeterminate: 0 };
  }

  async execute(): Promise<DrillResult> {
    const startedAt = new Date();
    const t0 = this.#clock.nowNs();
    try {
      // A safety violation ends the drill: more faults would only risk more of the operator's data.
      for (let round = 1; round <= this.#opts.rounds && this.#aborted === null && !this.#unsafe(); round++) {
        this.#throwIfInterrupted();
        const r = await this.#round(round);
        if (r !== undefined) this.#rounds.push(r);
      }
    } finally {
      const stillDown = await this.#restore();
      const last = this.#rounds.at(-1)?.round;
      if (stillDown.length > 0 && this.#aborted === null && last !== undefined) this.#aborted = { round: last, check: 'restore', message: stillDown.join('; ') };
    }
    const report = this.#report(startedAt, nsToMs(this.#clock.nowNs() - t0));
    if (report.verdict !== 'unsafe') await this.#cleanup();
    return { report, history: this.#recorder.events() };
  }

  #unsafe(): boolean {
    return this.#violations.length > 0 || this.#rounds.some((r) => r.checks.some((c) => !c.ok && c.severity === 'safety'));
  }

  #throwIfInterrupted(): void {
    const signal = this.#deps.signal;
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new CliError('interrupted');
  }

  #phase(phase: DrillProgress['phase'], leader?: string | null): void {
    this.#progress = { ...this.#progress, phase, ...(leader === undefined ? {} : { leader }) };
    this.#deps.onProgress?.(this.#progress);
  }

  async #round(round: number): Promise<RoundReport | undefined> {
    this.#progress = { ...this.#progress, round };
    this.#phase('steady-state', null);
    const steady = await waitForSteadyState(this.#deps.probe, this.#clock, this.#opts.settleMs, this.#opts.maxLag, this.#deps.signal);
    this.#throwIfInterrupted();
    if (!steady.ok) {
      const failed = steady.checks.find((c) => !c.ok)!;
      this.#aborted = { round, check: failed.name, message: `steady state not reached within ${this.#opts.settleMs / 1000}s: ${failed.detail}` };
      return undefined;
    }
    this.#environment ??= this.#environmentOf(steady.state);
    if (round === 1) {
      await this.#deps.injector.prepare(steady.state.members, this.#scenario.needs(this.#opts));
      await this.#scenario.prepare?.(this.#deps.injector, steady.state.members, this.#opts);
    }
    this.#phase('warmup', steady.state.leader.id);
    const report = await this.#faultRound(round, steady.state);
    // A member the round could not restart gets one more deadline; if it stays down, say so and stop.
    if (this.#opts.restart && this.#down.size > 0 && this.#aborted === null) {
      const stillDown = await this.#bringBack();
      if (stillDown.length > 0) this.#aborted = { round, check: 'restore', message: stillDown.join('; ') };
    }
    return report;
  }

  /** The workload around the scenario, then verification. */
  async #faultRound(round: number, steady: SteadyState): Promise<RoundReport | undefined> {
    const keys = roundKeys(round, this.#opts.keys);
    const eventsFrom = this.#recorder.events().length;
    const workload = new Workload({
      round,
      clients: this.#opts.clients,
      keys,
      processes: this.#processes,
      recorder: this.#recorder,
      clock: this.#clock,
      newClient: () => this.#deps.newClient(this.#prefix),
      ...(this.#deps.random ? { random: this.#deps.random } : {}),
    });
    const side = this.#sideWorkloadsOf(round);
    const startNs = this.#clock.nowNs();
    workload.start();
    const ticker = setInterval(() => this.#tick(workload), 250).unref();
    let fault: { outcome: FaultOutcome; faultStartNs: number } | undefined;
    try {
      await Promise.all(side.map((w) => w.start()));
      if (!(await this.#warmUp(workload))) {
        const waited = Math.max(this.#opts.warmupMs, this.#opts.settleMs) / 1000;
        this.#aborted = { round, check: 'workload', message: `no write was acknowledged within ${waited}s of the warm-up${workload.lastError ? `: ${workload.lastError}` : ''}` };
        return undefined;
      }
      const faultStartNs = this.#clock.nowNs();
      fault = { outcome: await this.#scenario.run(this.#context(round, steady)), faultStartNs };
    } finally {
      this.#phase('verify');
      clearInterval(ticker);
      await Promise.all([workload.stop(), ...side.map((w) => w.stop())]);
    }
    const endNs = this.#clock.nowNs();
    this.#throwIfInterrupted();
    if (fault === undefined) return undefined;
    const sideVerdicts = await Promise.all(side.map((w) => w.verify()));
    return this.#verify(round, keys, { workload, ...fault, oldLeader: steady.leader.id, startNs, endNs, eventsFrom, sideVerdicts });
  }

  /**
   * The warm-up: at least `warmupMs`, and until one write is acknowledged. A first write can take
   * longer than a short warm-up on a busy machine (a client's first connection, its token), which
   * says nothing about failover, so it is waited for up to `settleMs` before the drill gives up.
   */
  async #warmUp(workload: Workload): Promise<boolean> {
    await pause(this.#opts.warmupMs, this.#deps.signal);
    const deadlineNs = this.#clock.nowNs() + Math.max(0, this.#opts.settleMs - this.#opts.warmupMs) * 1e6;
    while (workload.stats().acknowledged === 0 && this.#clock.nowNs() < deadlineNs) {
      this.#throwIfInterrupted();
      await pause(FIRST_ACK_POLL_MS, this.#deps.signal);
    }
    this.#throwIfInterrupted();
    return workload.stats().acknowledged > 0;
  }

  /** The side workloads of round `round`, each under names of its own (the run's prefix and the round). */
  #sideWorkloadsOf(round: number): SideWorkload[] {
    const names = this.#opts.sideWorkloads ?? [];
    if (names.length === 0) return [];
    const clients = this.#deps.sideClients;
    if (clients === undefined) return []; // refused by preflight
    const base = { round, clients: Math.max(2, Math.ceil(this.#opts.clients / 4)), clock: this.#clock, prefix: `drill-${this.#prefix}-r${round}`, ...(this.#deps.random ? { random: this.#deps.random } : {}) };
    const side = createSideWorkloads(names, base, clients);
    this.#sideWorkloads.push(...side);
    return side;
  }

  #context(round: number, steady: SteadyState): RoundContext {
    return {
      round,
      opts: this.#opts,
      steady,
      probe: this.#deps.probe,
      injector: this.#deps.injector,
      clock: this.#clock,
      signal: this.#deps.signal,
      down: this.#down,
      phase: (p, leader) => this.#phase(p, leader),
    };
  }

  #environmentOf(steady: SteadyState): DrillEnvironment {
    const leader = steady.statuses.get(steady.leader.id);
    return {
      clusterName: leader?.clusterName ?? '',
      leader: steady.leader.id,
      term: steady.term,
      members: steady.members.map((m) => ({ id: m.id, address: m.address, version: steady.statuses.get(m.id)?.version ?? 'unknown' })),
      fleetVersion: this.#deps.fleetVersion ?? 'unknown',
      nodeVersion: process.version,
    };
  }

  #tick(workload: Workload): void {
    const s = workload.stats();
    this.#progress = { ...this.#progress, opsPerSec: workload.opsPerSec(), acknowledged: s.acknowledged, compareFailed: s.compareFailed, failed: s.failed, indeterminate: s.indeterminate };
    this.#deps.onProgress?.(this.#progress);
  }

  /** Reads every register back (recorded, like any read) with a fresh client. */
  async #finalReads(keys: readonly string[]): Promise<{ finals: FinalRead[]; records: OpRecord[]; failures: string[] }> {
    const client = this.#deps.newClient(this.#prefix);
    const finals: FinalRead[] = [];
    const records: OpRecord[] = [];
    const failures: string[] = [];
    try {
      for (const key of keys) {
        const process = this.#processes.next();
        const startNs = this.#recorder.invoke(process, 'read', key).time;
        try {
          const got = await client.get(key);
          const read: OpRecord = { process, f: 'read', key, input: null, output: got.value, outcome: 'ok', startNs, endNs: this.#recorder.complete(process, 'ok', got.value).time };
          records.push(read);
          finals.push({ key, value: got.value, version: got.version, read });
        } catch (err) {
          records.push({ process, f: 'read', key, input: null, output: null, outcome: 'fail', startNs, endNs: this.#recorder.complete(process, 'fail').time, error: 'final-read' });
          failures.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      client.close();
    }
    return { finals, records, failures };
  }

  async #verify(
    round: number,
    keys: readonly string[],
    w: { workload: Workload; outcome: FaultOutcome; oldLeader: string; startNs: number; faultStartNs: number; endNs: number; eventsFrom: number; sideVerdicts: readonly SideVerdict[] },
  ): Promise<RoundReport | undefined> {
    const outcome = w.outcome;
    const { finals, records, failures } = await this.#finalReads(keys);
    const ops = [...w.workload.records, ...records];
    const verification = verifyRound(round, ops, finals, this.#recorder.events().slice(w.eventsFrom));
    this.#violations.push(...outcome.violations, ...verification.violations);
    const base = outcome.baseline;
    const usual = base === undefined ? w.workload.records.filter((o) => o.endNs < w.faultStartNs) : w.workload.records.filter((o) => o.startNs >= base.fromNs && o.endNs <= base.toNs);
    const stall = stallThresholdNs(usual);
    const windows = unavailableWindows(w.workload.records, outcome.disturbances, stall, w.endNs);
    const lengths = windows.map(windowMs);
    const stats = w.workload.stats();
    const figures = {
      unavailableMs: lengths.length === 0 ? 0 : Math.max(...lengths),
      windows,
      newLeaderMs: outcome.newLeaderMs,
    };
    const readBack = failures.length === 0 ? [] : [{ name: 'final-reads', ok: false, detail: `could not read back ${failures.length} register(s) after the round: ${failures[0]}`, severity: 'slo' as const }];
    const report: RoundReport = {
      round,
      target: outcome.target,
      killed: outcome.killed,
      faultAtMs: nsToMs(outcome.disturbances[0]?.atNs ?? w.faultStartNs),
      oldLeader: w.oldLeader,
      newLeader: outcome.newLeader,
      ...figures,
      unavailableTotalMs: Math.round(lengths.reduce((a, b) => a + b, 0) * 10) / 10,
      catchupMs: outcome.catchupMs,
      ops: stats.ops,
      opsPerSec: Math.round(stats.ops / Math.max(1e-9, (w.endNs - w.startNs) / 1e9)),
      acknowledged: stats.acknowledged,
      compareFailed: stats.compareFailed,
      failed: stats.failed,
      indeterminate: stats.indeterminate,
      lost: verification.lost,
      duplicated: verification.duplicated,
      linearizable: verification.linearizable,
      checks: [...outcome.checks, ...readBack, ...sloChecks(figures, outcome.expectNewLeader, this.#opts.slo), ...w.sideVerdicts.map((v) => v.check)],
      ...(w.sideVerdicts.length === 0 ? {} : { sideWorkloads: w.sideVerdicts }),
      extra: base === undefined ? outcome.extra : { ...outcome.extra, ...writeLatency(usual) },
      startMs: nsToMs(w.startNs),
      endMs: nsToMs(w.endNs),
      marks: roundMarks(this.#opts.drill, outcome),
    };
    // From the round's events as the history file keeps them: the HTML page, rebuilt from that file, shows the same numbers.
    return { ...report, latency: roundLatency(report, this.#recorder.events().slice(w.eventsFrom)) };
  }

  /** Brings back what this run took down, resumes and heals; never throws. Answers the members still down, each with why. */
  async #restore(): Promise<string[]> {
    this.#phase('cleanup');
    await this.#deps.injector.restoreAll().catch(() => undefined);
    if (!this.#opts.restart || !this.#deps.injector.can('restart')) return [];
    return this.#bringBack();
  }

  /**
   * Restarts every member this run took down, each until it answers or `settleMs` passes (not
   * cut short by Ctrl-C: an interrupted drill must still leave the cluster whole). Answers one
   * line for each member still down.
   */
  async #bringBack(): Promise<string[]> {
    const stillDown: string[] = [];
    for (const m of [...this.#down.values()]) {
      const failure = await restartMember(this.#deps.injector, this.#deps.probe, m, this.#opts.settleMs).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      if (failure === undefined) this.#down.delete(m.id);
      else stillDown.push(`${m.id} is still down: ${failure}`);
    }
    return stillDown;
  }

  /** Deletes the drill's registers; a failure only leaves a few keys in the `drill` namespace. */
  async #cleanup(): Promise<void> {
    await Promise.all(this.#sideWorkloads.map((w) => w.cleanup()));
    if (this.#rounds.length === 0) return;
    const client = this.#deps.newClient(this.#prefix);
    try {
      const keys = this.#rounds.flatMap((r) => roundKeys(r.round, this.#opts.keys));
      for (let i = 0; i < keys.length; i += 8) await Promise.all(keys.slice(i, i + 8).map((k) => client.delete(k).catch(() => undefined)));
    } finally {
      client.close();
    }
  }

  #report(startedAt: Date, elapsedMs: number): DrillReport {
    const { verdict, reason } = verdictOf(this.#rounds, this.#violations, this.#aborted);
    return {
      drill: this.#opts.drill,
      verdict,
      reason,
      startedAt: startedAt.toISOString(),
      elapsedMs,
      options: this.#opts,
      injector: this.#deps.injector.kind,
      rounds: this.#rounds,
      summary: summaryOf(this.#rounds),
      linearizable: linearizableOf(this.#rounds),
      violations: this.#violations,
      aborted: this.#aborted,
      historyEvents: this.#recorder.events().length,
      environment: this.#environment,
    };
  }
}

/** Write latency (p50, p99, in ms) of the acknowledged writes among `ops`; null without any. */
function writeLatency(ops: readonly OpRecord[]): { writeP50Ms: number | null; writeP99Ms: number | null; writes: number } {
  const ms = ops.filter((o) => o.f === 'write' && o.outcome === 'ok').map((o) => (o.endNs - o.startNs) / 1e6);
  const round = (v: number) => (Number.isNaN(v) ? null : Math.round(v * 100) / 100);
  return { writeP50Ms: round(quantile(ms, 0.5)), writeP99Ms: round(quantile(ms, 0.99)), writes: ms.length };
}
