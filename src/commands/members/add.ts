import { Args, Flags } from '@oclif/core';
import { parseHostPort } from '../../cli/addresses.js';
import { FleetCommand } from '../../cli/base-command.js';
import { UsageError } from '../../cli/errors.js';
import { assertSafe } from '../../cli/preflight.js';
import { MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';

export default class MembersAdd extends FleetCommand {
  static override summary = 'Add a member (as a learner with --learner).';
  static override description = `Adds ID at ADDR to the membership; start the member afterwards with \`fleet node start --id ID --listen ADDR --join …\`. The safe path is --learner, then \`fleet members promote ID\` once it has caught up: a new voter counts towards the quorum before it has any data, so adding one is refused when that would leave too few healthy voters (pass --force to accept the risk).`;
  static override examples = [
    '<%= config.bin %> members add n4 10.0.0.4:7781 --learner',
    '<%= config.bin %> members add n4 127.0.0.1:7784 --learner && <%= config.bin %> node start --id n4 --data-dir /var/lib/fleet/n4 --listen 127.0.0.1:7784 --join',
  ];
  static override args = {
    id: Args.string({ description: 'the new member\'s id (e.g. n4)', required: true }),
    addr: Args.string({ description: 'its host:port', required: true }),
  };
  static override flags = {
    learner: Flags.boolean({ description: 'add as a non-voting learner (promote it once caught up)', default: false }),
    force: Flags.boolean({ description: 'skip the quorum safety check', default: false }),
  };

  async run(): Promise<MembershipResult> {
    const { args, flags } = await this.parse(MembersAdd);
    try {
      parseHostPort(args.addr, 'member address');
    } catch (err) {
      throw new UsageError((err as Error).message, this.helpHint(), err);
    }
    const client = await this.client({ admin: true });
    assertSafe(await this.statusModel(client), { kind: 'add', id: args.id, learner: flags.learner }, flags.force);
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const view = await slow.addMember(args.id, args.addr, { learner: flags.learner });
    const result = { changed: args.id, ...renderMembership(view) };
    this.log(`added ${args.id} (${args.addr}) as a ${flags.learner ? 'learner' : 'voter'}; start it with: fleet node start --id ${args.id} --listen ${args.addr} --data-dir DIR --join`);
    return result;
  }
}
