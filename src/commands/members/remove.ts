import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { conditionalOn, MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';
import { dryRunFlag, forceFlag } from '../../cli/safety-gate.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

/** `fleet members remove --json`: the membership after the change, and the hand-off that came first, if any. */
export interface MembersRemoveResult extends MembershipResult {
  readonly handedOffTo?: string;
}

export default class MembersRemove extends FleetCommand {
  static override summary = 'Remove a member from the coordinator cluster (the leader hands leadership on first).';
  static override description = `Removing the leader first hands leadership to the most caught-up healthy voter. The safety gate refuses (exit 4, with the preview) a removal that would leave fewer healthy voters than the new quorum, a cluster that can lose no voter where it could lose one, or an even number of voters, and the leader's removal when no healthy voter can take over; --force accepts the risk. --dry-run prints the preview: voters, quorum and failures survivable before and after. If the membership changed between the preview and the change (another change raced this one), the leader refuses it (exit 4) and nothing changes. Stop the removed member's process afterwards.`;
  static override examples = ['<%= config.bin %> members remove n4', '<%= config.bin %> members remove n3 --dry-run', '<%= config.bin %> members remove n3 --force --json'];
  static override aliases = ['members:rm'];
  static override args = { id: Args.string({ description: 'the member\'s id', required: true }) };
  static override flags = { force: forceFlag(), 'dry-run': dryRunFlag };

  async run(): Promise<MembersRemoveResult | PreviewDocument> {
    const { args, flags } = await this.parse(MembersRemove);
    const engine = await this.engine({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const model = await this.gateModel({ admin: true });
    const id = await engine.resolveMember(args.id);
    const [{ previewChange }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js')]);
    const preview = previewChange(model, { kind: 'remove', id });
    const dry = await passGate(this, preview, { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const handoff = model.leader === id && preview.after.leader !== null ? preview.after.leader : undefined;
    if (handoff !== undefined) {
      const t = await engine.transferLeader(handoff);
      this.log(`handed leadership from ${t.from} to ${t.to}`);
    }
    const view = await engine.removeMember(id, conditionalOn(model));
    this.log(`removed ${id}; stop its process now`);
    return { changed: id, ...(handoff === undefined ? {} : { handedOffTo: handoff }), ...renderMembership(view) };
  }
}
