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
    if (await this.isEtcd()) return this.etcd(args.id, flags);
    const client = await this.client({ admin: true });
    const [{ previewChange }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js')]);
    const model = await this.statusModel(client);
    const dry = await passGate(this, previewChange(model, { kind: 'promote', id: args.id }), { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const view = await slow.promoteMember(args.id, conditionalOn(model));
    this.log(`promoted ${args.id} to voter`);
    return { changed: args.id, ...renderMembership(view) };
  }

  /** etcd: MemberPromote (etcd itself refuses a learner that has not caught up). */
  async etcd(idOrName: string, flags: { force: boolean; 'dry-run': boolean }): Promise<MembershipResult | PreviewDocument> {
    const client = await this.etcdClient({ timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const model = await this.etcdStatusModel(client);
    const [{ previewChange }, { passGate }, { leaderEndpoint, memberView, resolveMemberId }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js'), import('../../ops/etcd/admin.js')]);
    const leader = leaderEndpoint(model);
    const member = await resolveMemberId(client, leader, idOrName);
    const dry = await passGate(this, previewChange(model, { kind: 'promote', id: member.id }), { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const members = await client.memberPromote(leader, member.decimal);
    this.log(`promoted ${member.id} to voter`);
    return { changed: member.id, members: members.map(memberView) } as unknown as MembershipResult;
  }
}
