import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../../cli/base-command.js';
import { EXIT } from '../../../common/errors.js';
import type { CheckReport } from '../../../ops/rebind/index.js';

export default class RebindPlanCheck extends FleetCommand {
  static override summary = 'Check a rebind plan against the live state (changes nothing).';
  static override description = `Validates PLAN (its schema, then each move: no cluster twice, no move to where it already is), then every move against the live bindings: the cluster exists and is on "from" (or already on "to"), each target is registered, active and within its capacity once the rest of the plan is applied, and the bindings the plan was made from have not changed other than by the plan itself (drift).

Prints the per-shard before/after table (at plan time, now, out, in, after) and every problem. Exit 0 when the plan applies cleanly, 4 on any problem. Same as "fleet rebind plan apply PLAN --dry-run".`;
  static override examples = ['<%= config.bin %> rebind plan check drain-s1.yaml', '<%= config.bin %> rebind plan check drain-s1.json --json'];
  static override args = { plan: Args.string({ description: 'plan file (.yaml/.yml/.json, or - for stdin)', required: true }) };
  static override flags = { force: Flags.boolean({ description: 'accept draining, cordoned or full targets (as apply --force does)', default: false }) };

  async run(): Promise<CheckReport> {
    const { args, flags } = await this.parse(RebindPlanCheck);
    const { readPlanFile, checkPlan } = await import('../../../ops/rebind/index.js');
    const plan = await readPlanFile(args.plan);
    const registry = await this.registry();
    const { report } = await checkPlan(registry, plan, { force: flags.force });
    await this.show(report);
    return report;
  }

  /** Prints the report and sets exit 4 when it found a problem (the report is still the answer). */
  protected async show(report: CheckReport): Promise<void> {
    if (!this.jsonEnabled()) {
      const { renderCheck } = await import('../../../ui/rebind-tables.js');
      this.log(renderCheck(report, await this.palette()));
    }
    if (!report.ok) {
      process.exitCode = EXIT.precondition;
      if (!this.jsonEnabled()) this.logToStderr(`error: plan ${report.planId} has ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'}; it is out of date or cannot apply (see above)`);
    }
  }
}
