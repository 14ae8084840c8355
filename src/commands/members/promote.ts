import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { assertSafe } from '../../cli/preflight.js';
import { MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';

export default class MembersPromote extends FleetCommand {
  static override summary = 'Promote a caught-up learner to voter.';
  static override description = 'The leader refuses while the learner trails by more than 1,000 entries. Promoting an unhealthy learner, or one that would leave too few healthy voters for the larger quorum, is refused unless --force.';
  static override examples = ['<%= config.bin %> members promote n4'];
  static override args = { id: Args.string({ description: 'the learner\'s id', required: true }) };
  static override flags = { force: Flags.boolean({ description: 'skip the quorum safety check', default: false }) };

  async run(): Promise<MembershipResult> {
    const { args, flags } = await this.parse(MembersPromote);
    const client = await this.client({ admin: true });
    assertSafe(await this.statusModel(client), { kind: 'promote', id: args.id }, flags.force);
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const view = await slow.promoteMember(args.id);
    this.log(`promoted ${args.id} to voter`);
    return { changed: args.id, ...renderMembership(view) };
  }
}
