import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { assertSafe } from '../../cli/preflight.js';
import { MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';

export default class MembersRemove extends FleetCommand {
  static override summary = 'Remove a member from the coordinator cluster.';
  static override description = 'Refused when it would leave fewer healthy voters than the new quorum needs (e.g. removing a healthy voter while another is down), unless --force. Stop the removed member\'s process afterwards.';
  static override examples = ['<%= config.bin %> members remove n4', '<%= config.bin %> members remove n2 --force'];
  static override aliases = ['members:rm'];
  static override args = { id: Args.string({ description: 'the member\'s id', required: true }) };
  static override flags = { force: Flags.boolean({ description: 'skip the quorum safety check', default: false }) };

  async run(): Promise<MembershipResult> {
    const { args, flags } = await this.parse(MembersRemove);
    const client = await this.client({ admin: true });
    assertSafe(await this.statusModel(client), { kind: 'remove', id: args.id }, flags.force);
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const view = await slow.removeMember(args.id);
    this.log(`removed ${args.id}; stop its process now`);
    return { changed: args.id, ...renderMembership(view) };
  }
}
