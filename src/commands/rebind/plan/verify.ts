import { Args } from '@oclif/core';
import { FleetCommand } from '../../../cli/base-command.js';
import { EXIT } from '../../../common/errors.js';
import type { VerifyReport } from '../../../ops/rebind/index.js';

export default class RebindPlanVerify extends FleetCommand {
  static override summary = 'Verify that every move of a rebind plan is in place.';
  static override description = `For each move of PLAN: in place (the cluster is on "to"), not yet (still on "from") or conflicting (anywhere else, or gone). Lists the moves not in place. Exit 0 only when every move is in place, 4 otherwise.`;
  static override examples = ['<%= config.bin %> rebind plan verify drain-s1.yaml', '<%= config.bin %> rebind plan verify drain-s1.yaml --json'];
  static override args = { plan: Args.string({ description: 'plan file (.yaml/.yml/.json, or - for stdin)', required: true }) };

  async run(): Promise<VerifyReport> {
    const { args } = await this.parse(RebindPlanVerify);
    const { readPlanFile, verifyPlan } = await import('../../../ops/rebind/index.js');
    const plan = await readPlanFile(args.plan);
    const registry = await this.registry();
    const report = await verifyPlan(registry, plan);
    if (!this.jsonEnabled()) {
      const { renderVerify } = await import('../../../ui/rebind-tables.js');
      this.log(renderVerify(report, await this.palette()));
    }
    if (!report.verified) {
      process.exitCode = EXIT.precondition;
      if (!this.jsonEnabled()) this.logToStderr(`error: ${report.total - report.inPlace} of ${report.total} moves are not in place`);
    }
    return report;
  }
}
