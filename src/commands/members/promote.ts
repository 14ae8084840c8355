import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { conditionalOn, MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';
import { dryRunFlag, forceFlag } from '../../cli/safety-gate.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class MembersPromote extends FleetCommand {
  static override summary = 'Promote a caught-up learner to voter.';
  static override description = `The safety gate refuses (exit 4, with the preview) promoting a learner that does not answer or is not caught up, and a promotion that would leave an even number of voters or a cluster that can lose no voter; --force accepts the risk. --dry-run prints the preview: voters, quorum and failures survivable before and after. If the membership changed between the preview and the change (another change raced this one), the leader refuses it (exit 4) and nothing changes. The leader itself refuses while the learner trails by more than 1,000 entries. \`fleet members add\` without --learner adds and promotes in one go.`;
  static override examples = ['<%= config.bin %> members promote n4', '<%= config.bin %> members promote n4 --dry-run --json', '<%= config.bin %> members promote n2 --force'];
  static override args = { id: Args.string({ description: 'the learner\'s id', required: true }) };
  static override flags = { force: forceFlag(), 'dry-run': dryRunFlag };

  async run(): Promise<MembershipResult | PreviewDocument> {
    const { args, flags } = await this.parse(MembersPromote);
    const engine = await this.engine({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const [{ previewChange }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js')]);
    const model = await this.gateModel({ admin: true });
    const id = await engine.resolveMember(args.id);
    const dry = await passGate(this, previewChange(model, { kind: 'promote', id }), { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const view = await engine.promoteMember(id, conditionalOn(model));
    this.log(`promoted ${id} to voter`);
    return { changed: id, ...renderMembership(view) };
  }
}
