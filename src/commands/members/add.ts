import { Args, Flags } from '@oclif/core';
import { memberAddressProblem, memberIdProblem, parseHostPort } from '../../common/addresses.js';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT, UsageError } from '../../common/errors.js';
import { durationFlag } from '../../cli/flags.js';
import { conditionalOn, MEMBERSHIP_TIMEOUT_MS, renderMembership, type MembershipResult } from '../../cli/membership.js';
import { dryRunFlag, forceFlag } from '../../cli/safety-gate.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

/** `fleet members add --json`: the membership after the change, and what the new member became. */
export interface MembersAddResult extends MembershipResult {
  readonly as: 'voter' | 'learner';
  /** How long the new voter took to catch up before it was promoted. */
  readonly caughtUpMs?: number;
}

export default class MembersAdd extends FleetCommand {
  static override summary = 'Add a member: a voter through a learner (promoted once caught up), or a learner with --learner.';
  static override description = `Start the new member first (\`fleet node start --id ID --listen ADDR --data-dir DIR --join\`), then add it. Without --learner it is added as a non-voting learner, and promoted to voter once the leader sees it caught up; if it has not caught up within --catch-up-timeout it stays a learner and the command says why (exit 3): run it again to resume, or \`fleet members remove ID\`.

The safety gate refuses (exit 4, with the preview) a voter that does not answer at ADDR, and one that would leave an even number of voters or a cluster that can lose no voter; --force accepts the risk (the member still goes through a learner). --dry-run prints the preview: voters, quorum and failures survivable before and after. The change carries the configuration the preview was made from: if the membership changed in between (another change raced this one), the leader refuses it (exit 4) and nothing changes; run the command again to preview the new membership.

With --learner nothing waits: the learner does not vote, so the quorum is unchanged; promote it later with \`fleet members promote ID\`.`;
  static override examples = [
    '<%= config.bin %> members add n4 10.0.0.4:7781 --dry-run',
    '<%= config.bin %> members add n4 10.0.0.4:7781 --learner',
    '<%= config.bin %> members add n5 10.0.0.5:7781 --catch-up-timeout 5m --json',
    '<%= config.bin %> members add n2 127.0.0.1:7782 --force    # one to two voters, on the way to three',
  ];
  static override args = {
    id: Args.string({ description: 'the new member\'s id (e.g. n4)', required: true }),
    addr: Args.string({ description: 'its host:port', required: true }),
  };
  static override flags = {
    learner: Flags.boolean({ description: 'add as a non-voting learner only (promote it later with fleet members promote)', default: false }),
    'catch-up-timeout': durationFlag({ description: 'how long a new voter may take to catch up before it would be promoted', default: 60_000, defaultHelp: async () => '60s' }),
    force: forceFlag(),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<MembersAddResult | PreviewDocument> {
    const { args, flags } = await this.parse(MembersAdd);
    try {
      parseHostPort(args.addr, 'member address');
    } catch (err) {
      throw new UsageError((err as Error).message, this.helpHint(), err);
    }
    // The member checks both too (admin-service.ts); refused here, the user sees usage (exit 2).
    const problem = memberIdProblem(args.id) ?? memberAddressProblem(args.addr);
    if (problem !== undefined) throw new UsageError(problem, this.helpHint());
    const engine = await this.engine({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    this.refuseOnEtcd(engine, { '--learner': !flags.learner }, 'etcd members are added as learners first: pass --learner, start the member, then fleet members promote ID');
    const [model, probe] = await Promise.all([this.gateModel({ admin: true }), engine.probeMember(args.addr)]);
    const [{ previewChange, newcomerOf }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js')]);
    // etcd names a new member itself: until then the preview knows it by its address.
    const change = { kind: flags.learner ? ('add-learner' as const) : ('add-voter' as const), id: engine.assignsMemberIds ? args.addr : args.id, address: args.addr };
    const dry = await passGate(this, previewChange(model, change, probe === null ? {} : { newcomer: newcomerOf(probe) }), { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    if (flags.learner) {
      const added = await engine.addLearner(args.id, args.addr, conditionalOn(model));
      this.log(added.peerUrl === undefined ? `added ${args.id} (${args.addr}) as a learner; promote it once caught up: fleet members promote ${args.id}` : `added learner ${added.id} (peer ${added.peerUrl}); start it with --initial-cluster-state existing, then: fleet members promote ${added.id}`);
      return { changed: added.id, as: 'learner', ...renderMembership(added.view) };
    }
    // Through a learner that catches up first: fleet's alone (etcd is refused above).
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, MEMBERSHIP_TIMEOUT_MS) });
    const { addVoterThroughLearner } = await import('../../ops/member-changes.js');
    const r = await this.withProgress((progress, signal) => addVoterThroughLearner(slow, args.id, args.addr, { timeoutMs: flags['catch-up-timeout'], signal, onProgress: (line) => progress.update(line), ...conditionalOn(model) }));
    if (!r.promoted) {
      throw new CliError(`${args.id} was added as a learner but not promoted: ${r.reason}`, {
        exitCode: EXIT.unavailable,
        code: 'NOT_CAUGHT_UP',
        hint: `it stays a learner; the same command again resumes, fleet members remove ${args.id} drops it`,
      });
    }
    const { formatDuration } = await import('../../common/durations.js');
    this.log(`added ${args.id} (${args.addr}) as a learner, caught up in ${formatDuration(r.caughtUpMs)}, promoted to voter`);
    return { changed: args.id, as: 'voter', caughtUpMs: r.caughtUpMs, ...renderMembership(r.view) };
  }
}
