import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../../cli/base-command.js';
import { CliError, EXIT, UsageError } from '../../../common/errors.js';
import type { ApplyReport, CheckReport, RebindPlan } from '../../../ops/rebind/index.js';
import type { ChangePreview, PreviewDocument } from '../../../ops/safety/gate.js';

/** `plan apply --dry-run --json`: the plan check, and the safety gate's preview of the cluster. */
export type DryRunReport = CheckReport & { readonly preview: PreviewDocument };

export default class RebindPlanApply extends FleetCommand {
  static override summary = 'Apply a rebind plan in throttled, atomic, resumable batches.';
  static override description = `Checks PLAN against the live state (as "plan check" does), writes its rollback plan next to it (PLAN with .rollback before the extension, e.g. drain-s1.rollback.yaml) before the first move, then applies the moves still pending in batches. Each batch is one atomic compare-and-set of all its moves: all or none.

On an etcd context each batch is one etcd transaction, and etcd caps a transaction's operations (--max-txn-ops, 128 by default): a batch is cut to what fits, about 120 moves off one shard onto one or two, down to about 30 when every move touches other shards; --rate still throttles the moves.

Progress: a bar on a terminal, one line per batch otherwise (on stderr); the plan's progress is also reported to the cluster, so "fleet status" elsewhere shows it (plan id, moves done, who started it).

Ctrl-C lets the batch in flight finish, then stops (exit 1). Each request may take --timeout (default 5s, enough to ride out a leader election), retries included: a cluster that has lost its quorum stops the apply within it (exit 3). Running the same command again continues where it stopped: moves already in place are skipped, and a completed plan changes nothing.

Before anything, the safety gate previews the apply (the moves, and the voters and failures survivable of the coordinator cluster) and refuses it while the cluster has no quorum (exit 3); --dry-run prints the check and this preview and changes nothing.

A move whose cluster someone else moved meanwhile (neither on "from" nor on "to") is a conflict: --on-conflict stop (the default) stops with exit 4; skip applies the other moves and lists the skipped ones. A plan whose targets are not active or would be over capacity is refused (exit 4) unless --force.`;
  static override examples = [
    '<%= config.bin %> rebind plan apply drain-s1.yaml',
    '<%= config.bin %> rebind plan apply drain-s1.yaml --batch-size 500 --rate 2000 --yes',
    '<%= config.bin %> rebind plan apply drain-s1.yaml --dry-run',
    '<%= config.bin %> rebind plan apply drain-s1.rollback.yaml --force --yes',
  ];
  static override args = { plan: Args.string({ description: 'plan file (.yaml/.yml/.json)', required: true }) };
  static override flags = {
    'batch-size': Flags.integer({ description: 'moves per atomic batch (on etcd, a batch is also cut to fit one transaction: etcd\'s --max-txn-ops, 128 by default, takes about 30 to 120 moves)', default: 100, min: 1, max: 10_000, helpValue: '<n>' }),
    rate: Flags.integer({ description: 'at most this many moves per second (default: unthrottled)', min: 1, helpValue: '<moves/s>' }),
    'on-conflict': Flags.option({ description: 'a move whose cluster was moved elsewhere meanwhile: stop, or skip it and report', options: ['stop', 'skip'] as const, default: 'stop' })(),
    yes: Flags.boolean({ char: 'y', description: 'apply without asking (required when stdin is not a terminal)', default: false }),
    'dry-run': Flags.boolean({ description: 'only check the plan (as plan check does) and preview the apply; change nothing', default: false }),
    force: Flags.boolean({ description: 'accept draining, cordoned or full targets (e.g. to apply a drain\'s rollback onto the drained shard)', default: false }),
  };

  async run(): Promise<ApplyReport | DryRunReport> {
    const { args, flags } = await this.parse(RebindPlanApply);
    if (args.plan === '-') throw new UsageError('apply needs a plan file (its rollback is written next to it), not stdin');
    const ops = await import('../../../ops/rebind/index.js');
    const plan = await ops.readPlanFile(args.plan);
    // Each request, retries included, has --timeout: the default (5 s) rides out a leader election,
    // and a cluster without quorum stops the apply within it, resumable by running it again.
    // Reporting the plan's progress needs the admin role (docs/security.md): the context's admin token goes with it.
    const registry = await this.registry({ admin: true });
    const preview = await this.preview(plan);
    const { passGate } = await import('../../../cli/safety-gate.js');
    if (flags['dry-run']) {
      const { report } = await ops.checkPlan(registry, plan, { force: flags.force });
      await this.showCheck(report);
      const doc = await passGate(this, preview, { force: false, dryRun: true });
      return { ...report, preview: doc! };
    }
    await passGate(this, preview, { force: false, dryRun: false });
    if (!flags.yes) await this.confirm(plan, flags['batch-size']);
    const startedBy = ops.operatorName();
    const [{ applyProgressView }, ui, p] = await Promise.all([import('../../../ui/rebind-progress.js'), import('../../../ui/rebind-tables.js'), this.palette()]);
    const view = applyProgressView(process.stderr);
    const interrupt = new AbortController();
    const onSigint = (): void => {
      process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to quit at once; the batch is atomic either way)\n');
      interrupt.abort();
    };
    process.once('SIGINT', onSigint);
    let report: ApplyReport;
    try {
      report = await ops.applyPlan(registry, plan, {
        batchSize: flags['batch-size'],
        ...(flags.rate === undefined ? {} : { rate: flags.rate }),
        onConflict: flags['on-conflict'],
        force: flags.force,
        startedBy,
        signal: interrupt.signal,
        beforeFirstMove: () => ops.ensureRollbackFile(args.plan, plan, startedBy, new Date()),
        onBatch: (e) => view.update(e),
      });
    } finally {
      view.stop();
      process.removeListener('SIGINT', onSigint);
    }
    if (!this.jsonEnabled()) this.log(ui.renderApply(report, p));
    if (report.state === 'paused') {
      process.exitCode = EXIT.error;
      if (!this.jsonEnabled()) this.logToStderr(`error: interrupted after ${report.inPlaceBefore + report.applied} of ${report.total} moves; re-run the same command to continue`);
    }
    return report;
  }

  /** The safety gate's preview: the plan's moves, against the coordinator cluster's quorum. */
  async preview(plan: RebindPlan): Promise<ChangePreview> {
    const [{ previewChange }, { impactOf }] = await Promise.all([import('../../../ops/safety/gate.js'), import('../../../ops/safety/records.js')]);
    const records = impactOf('move', 'clusters', plan.moves.length, plan.moves.map((m) => `${m.cluster}: ${m.from ?? 'unbound'} → ${m.to}`));
    // Probed with --timeout, not the apply's longer deadline: a member that does not answer must not hold the preview up.
    return previewChange(await this.gateModel(), { kind: 'write', summary: `apply rebind plan ${plan.id}: ${plan.moves.length} moves`, records });
  }

  async showCheck(report: CheckReport): Promise<void> {
    if (!this.jsonEnabled()) {
      const { renderCheck } = await import('../../../ui/rebind-tables.js');
      this.log(renderCheck(report, await this.palette()));
    }
    if (!report.ok) process.exitCode = EXIT.precondition;
  }

  /** Asks on a terminal; refuses to guess anywhere else. */
  async confirm(plan: RebindPlan, batchSize: number): Promise<void> {
    if (process.stdin.isTTY !== true) throw new UsageError('stdin is not a terminal: pass --yes to apply without a prompt');
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`apply plan ${plan.id}: ${plan.moves.length} moves in batches of ${batchSize}? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not applied', { exitCode: EXIT.error, hint: 'pass --yes to apply without a prompt' });
    } finally {
      rl.close();
    }
  }
}
