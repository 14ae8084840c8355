/**
 * DrillCommand: what every `fleet drill …` command shares — the workload, timing, SLO and
 * output flags, and the run itself (connect, live progress on a terminal, Ctrl-C, the report
 * files, the table or JSON, and exit 0/5/6 by verdict). Each drill's command only adds its own
 * flags and names its drill.
 */
import { Flags } from '@oclif/core';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DrillAuditTrail, DrillName, DrillWorkload, DrillOptions, DrillProgress, DrillReport, DrillResult } from '../ops/drill/index.js';
import type { HistoryEvent } from '../ops/history/index.js';
import { parseSideWorkloads } from '../ops/drill/side/names.js';
import { FleetCommand } from './base-command.js';
import { UsageError } from '../common/errors.js';
import { durationFlag } from './flags.js';

const WORKLOAD = 'WORKLOAD';
const TIMING = 'TIMING AND SLO';
const OUTPUT = 'OUTPUT';

/** The flags every drill takes. */
export const DRILL_FLAGS = {
  rounds: Flags.integer({ description: 'rounds to run (a fault and a verification each)', default: 3, min: 1, max: 100, helpGroup: WORKLOAD }),
  clients: Flags.integer({ description: 'concurrent clients of the recorded workload', default: 8, min: 1, max: 256, helpGroup: WORKLOAD }),
  workload: Flags.string({
    description: 'the API the workload speaks: kv (fleet.v1\'s KV) or etcd (the etcd v3 KV API every fleet member also serves); an etcd cluster is drilled with etcd',
    options: ['kv', 'etcd'],
    helpGroup: WORKLOAD,
  }),
  keys: Flags.integer({ description: 'KV registers per round (namespace "drill")', default: 16, min: 1, max: 10_000, helpGroup: WORKLOAD }),
  with: Flags.string({
    description: 'more workloads beside the CAS registers, each with its own check: list-append (lost, duplicated or reordered appends), lock (two holders at once, fencing tokens), first-contact (exactly one shard wins a new cluster; it leaves its clusters, named drill-…, unbound in the registry); comma-separated, all or none (default: none; chaos: list-append,lock)',
    helpValue: '<list>',
    helpGroup: WORKLOAD,
  }),
  'op-timeout': durationFlag({ description: 'deadline of one attempt of a workload operation', default: 1_000, defaultHelp: async () => '1s', helpGroup: WORKLOAD }),
  warmup: durationFlag({ description: 'workload before the fault, longer until a first write is acknowledged (up to --settle)', default: 3_000, defaultHelp: async () => '3s', helpGroup: TIMING }),
  observe: durationFlag({ description: 'observation after the fault, before restoring', default: 10_000, defaultHelp: async () => '10s', helpGroup: TIMING }),
  restart: Flags.boolean({ description: 'restart a killed member and time its catch-up (--no-restart leaves it to its supervisor)', default: true, allowNo: true, helpGroup: TIMING }),
  'slo-unavailable': durationFlag({ description: 'longest client-visible unavailability allowed', default: 5_000, defaultHelp: async () => '5s', helpGroup: TIMING }),
  'slo-election': durationFlag({ description: 'longest time to a new leader allowed', default: 5_000, defaultHelp: async () => '5s', helpGroup: TIMING }),
  'max-lag': Flags.integer({ description: 'steady state: entries a member may trail the leader\'s commit index by', default: 100, min: 0, helpGroup: TIMING }),
  settle: durationFlag({ description: 'how long to wait for the steady state or a catch-up before giving up', default: 30_000, defaultHelp: async () => '30s', helpGroup: TIMING }),
  report: Flags.string({
    description: 'also write the report to this file: an HTML page with charts when it ends in .html or .htm, else the JSON report, whose rounds[].latency holds the page\'s latency table (p50, p90, p99, max in ms) (repeat for both)',
    helpValue: '<file>',
    multiple: true,
    helpGroup: OUTPUT,
  }),
  junit: Flags.string({ description: 'also write JUnit XML to this file: a test suite per round, a test case per check', helpValue: '<file.xml>', helpGroup: OUTPUT }),
  history: Flags.string({ description: 'write every recorded operation as JSON lines (Jepsen-style events) to this file; the members\' logs are copied beside it (<file>.logs/<member>/) when their processes are on this machine', helpValue: '<file>', helpGroup: OUTPUT }),
  pids: Flags.string({
    description: 'pids of the members\' processes on this machine, as ID=PID,… (for clusters not made by fleet init); each is checked to be that member before any signal, and a restart re-runs its command line',
    helpValue: '<n1=pid,…>',
    helpGroup: 'FAULTS',
  }),
};

/** The parsed values of DRILL_FLAGS. */
export interface DrillFlagValues {
  readonly rounds: number;
  readonly clients: number;
  readonly keys: number;
  readonly with?: string | undefined;
  readonly workload?: string | undefined;
  readonly 'op-timeout': number;
  readonly warmup: number;
  readonly observe: number;
  readonly restart: boolean;
  readonly 'slo-unavailable': number;
  readonly 'slo-election': number;
  readonly 'max-lag': number;
  readonly settle: number;
  readonly report?: readonly string[] | undefined;
  readonly junit?: string | undefined;
  readonly history?: string | undefined;
  readonly pids?: string | undefined;
}

/** What a drill command adds to the shared options. */
export type DrillSpecifics = Partial<Pick<DrillOptions, 'pauseMs' | 'isolate' | 'partitionMs' | 'target' | 'wan' | 'upgrade' | 'chaos'>>;

/** The base of the drill commands. `run()` returns the report, which `--json` prints. */
export abstract class DrillCommand extends FleetCommand {
  static override baseFlags = { ...FleetCommand.baseFlags, ...DRILL_FLAGS };

  /** Runs `drill` with the parsed flags; prints the report and sets the exit code by verdict. */
  protected async drill(drill: DrillName, flags: DrillFlagValues, specifics: DrillSpecifics = {}): Promise<DrillReport> {
    const opts = drillOptions(drill, flags, specifics);
    const { connectDrill, runDrill, exitCodeOf, parsePids, drillAuditTrail } = await import('../ops/drill/index.js');
    const pids = flags.pids === undefined ? undefined : parseFlag(() => parsePids(flags.pids!), '--pids', this.helpHint());
    const target = await this.target({ admin: true });
    const connection = await connectDrill({ endpoints: target.endpoints, token: target.token, adminToken: target.token, tls: target.tls, localHome: target.local?.dataDir, pids, engine: target.engine, user: target.user, workload: flags.workload as DrillWorkload | undefined, launchScript: opts.upgrade?.to }, opts.opTimeoutMs);
    const ui = await import('../ui/drill/drill-report.js');
    // The start and end go into the audit log through the leader; a record that fails is a warning, never a verdict.
    const trail = connection.recordDrill === undefined ? NO_TRAIL : drillAuditTrail(opts, connection.recordDrill);
    const warn = (line: string | undefined) => line !== undefined && this.logToStderr(line);
    let result;
    let interrupted = false;
    try {
      warn(await trail.start());
      result = await this.withProgress((progress, signal) => {
        signal.addEventListener('abort', () => (interrupted = true), { once: true });
        const lines = roundLines((p) => ui.renderProgress(drill, p), process.stderr, { everyMs: drill === 'chaos' ? 60_000 : undefined });
        const onProgress = (p: DrillProgress) => {
          progress.update(ui.renderProgress(drill, p));
          lines(p);
        };
        return runDrill(opts, { ...connection, signal, fleetVersion: this.config.version, onProgress });
      });
      warn(await trail.end(result.report));
    } catch (err) {
      warn(await trail.failed(err, interrupted));
      throw err;
    } finally {
      await connection.close();
    }
    // The files come after the verdict: none of their work is on the measured path.
    await writeDrillFiles(result, flags);
    if (flags.history !== undefined && connection.memberLogs !== undefined) {
      const kept = await keepMemberLogs(`${flags.history}.logs`, connection.memberLogs());
      // On stderr with --json too (oclif's logToStderr is silent then): stdout keeps the one document.
      if (kept > 0) process.stderr.write(`members' logs kept in ${flags.history}.logs/ (${kept} files)\n`);
    }
    if (!this.jsonEnabled()) this.log(ui.renderDrillReport(result.report, await this.palette()));
    // The report is still the answer; the exit code carries the verdict (5 SLO/aborted, 6 unsafe).
    process.exitCode = exitCodeOf(result.report.verdict);
    return result.report;
  }
}

/** The trail of a target that keeps no audit log (etcd): nothing to write, nothing to warn about. */
const NO_TRAIL: DrillAuditTrail = { start: async () => undefined, end: async () => undefined, failed: async () => undefined };

/** Whether a `--report` file is the HTML page (else the JSON report). */
export function isHtmlFile(file: string): boolean {
  return /\.html?$/i.test(file);
}

/** The HTML report of a drill from its JSON report and history (what the live drill and `fleet drill report` both write). */
export async function renderHtmlReport(report: DrillReport, history: readonly HistoryEvent[]): Promise<string> {
  const { roundPlots, reportFigures } = await import('../ops/drill/report/report-data.js');
  const { renderDrillHtml } = await import('../ui/drill/drill-html.js');
  const plots = roundPlots(report, history);
  return renderDrillHtml({ report, plots, figures: reportFigures(report, plots) });
}

/** Writes what --history, --report and --junit ask for. */
async function writeDrillFiles(result: DrillResult, flags: Pick<DrillFlagValues, 'history' | 'report' | 'junit'>): Promise<void> {
  if (flags.history !== undefined) {
    const { toJsonLines } = await import('../ops/history/index.js');
    await writeFile(flags.history, toJsonLines(result.history), 'utf8');
  }
  for (const file of flags.report ?? []) {
    if (isHtmlFile(file)) {
      await writeFile(file, await renderHtmlReport(result.report, result.history), 'utf8');
    } else {
      await writeFile(file, `${JSON.stringify(result.report, null, 2)}\n`, 'utf8');
    }
  }
  if (flags.junit !== undefined) {
    const { renderDrillJunit } = await import('../ui/drill/drill-junit.js');
    await writeFile(flags.junit, renderDrillJunit(result.report), 'utf8');
  }
}

/**
 * Copies each member's log files into `dir/<member>/`, beside the history: why a member that
 * did not come back died, and what each did meanwhile, stay with the drill's record (a local
 * cluster's next `fleet up` appends to them, and a rotation drops the oldest). Answers the count.
 */
export async function keepMemberLogs(dir: string, logs: ReadonlyMap<string, readonly string[]>): Promise<number> {
  let kept = 0;
  for (const [id, files] of logs) {
    if (files.length === 0) continue;
    await mkdir(join(dir, id), { recursive: true, mode: 0o700 });
    for (const file of files) {
      // A file rotated away meanwhile is simply not there any more.
      const to = join(dir, id, basename(file));
      // Private, as the member keeps them (0600): a log names peers, addresses and paths.
      await copyFile(file, to).then(() => chmod(to, 0o600)).then(() => kept++, () => undefined);
    }
  }
  return kept;
}

/** The engine's options from the flags. */
export function drillOptions(drill: DrillName, f: DrillFlagValues, specifics: DrillSpecifics): DrillOptions {
  return {
    drill,
    rounds: f.rounds,
    clients: f.clients,
    keys: f.keys,
    warmupMs: f.warmup,
    observeMs: f.observe,
    restart: f.restart,
    slo: { unavailableMs: f['slo-unavailable'], newLeaderMs: f['slo-election'] },
    maxLag: f['max-lag'],
    settleMs: f.settle,
    opTimeoutMs: f['op-timeout'],
    pauseMs: specifics.pauseMs ?? 5_000,
    isolate: specifics.isolate ?? 'leader',
    partitionMs: specifics.partitionMs ?? 10_000,
    target: specifics.target,
    wan: specifics.wan,
    ...(specifics.upgrade === undefined ? {} : { upgrade: specifics.upgrade }),
    ...(specifics.chaos === undefined ? {} : { chaos: specifics.chaos }),
    sideWorkloads: parseFlag(() => parseSideWorkloads(f.with ?? (drill === 'chaos' ? 'list-append,lock' : 'none')), '--with', 'see fleet drill --help'),
  };
}

function parseFlag<T>(parse: () => T, flag: string, hint: string): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`, hint, err);
  }
}

/**
 * Off a terminal the spinner draws nothing, and a drill of minutes would print nothing until its
 * verdict: there, one line per round goes to stderr as its workload ends, with its counts, and
 * with `everyMs` (chaos: a minute) one more every `everyMs` while the round goes on.
 */
export function roundLines(
  render: (p: DrillProgress) => string,
  out: { isTTY?: boolean; write(s: string): unknown } = process.stderr,
  opts: { readonly everyMs?: number | undefined; readonly now?: () => number } = {},
): (p: DrillProgress) => void {
  if (out.isTTY === true) return () => undefined;
  const now = opts.now ?? Date.now;
  let lastRound = 0;
  let lastLine = now();
  return (p) => {
    // A long round (chaos) also says how it goes every `everyMs` while its faults go on.
    if (opts.everyMs !== undefined && p.phase !== 'verify' && now() - lastLine >= opts.everyMs) {
      lastLine = now();
      out.write(`${render(p)}\n`);
      return;
    }
    if (p.phase !== 'verify' || p.round === lastRound) return;
    lastRound = p.round;
    lastLine = now();
    out.write(`${render(p)}\n`);
  };
}
