import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import { memberIdFlag } from '../../cli/flags.js';
import type { RecoveryOutcome } from '../../ops/recover.js';

/** `fleet node recover --json`. */
export interface NodeRecoverJson extends RecoveryOutcome {
  readonly startCommand: string;
}

/** What the start command printed after a recovery uses when --listen is not given. */
const DEFAULT_LISTEN = '127.0.0.1:7781';

export default class NodeRecover extends FleetCommand {
  static override summary = "Rebuild a one-member cluster from a stopped member's data dir (offline disaster recovery).";
  static override description = `For when a majority of members is permanently gone, like etcd --force-new-cluster. Offline: run it on the data dir of a stopped survivor (the one with the most advanced log). It first reports what that member holds: its last index and term, its commit index (entries up to it were committed for certain and are kept; entries after it may not have been and are dropped, unless --keep-uncommitted), and the members that will be dropped. Nothing changes without --yes (exit 2 naming it).

With --yes it moves DIR aside (DIR.pre-recover-<time>), writes what it dropped (the entries after the commit index, the removed members) to DIR.recover-<time>.json, and re-seeds DIR with the registry as of the commit index and a membership of ID alone. Then start it and grow the cluster back:

  fleet node start --id ID --data-dir DIR --listen HOST:PORT --peers ID=HOST:PORT
  fleet members add n2 HOST2:PORT --learner     # start n2 with --join on an empty data dir
  fleet members promote n2                      # once it has caught up

Never start the dropped members from their old data: re-seed each from an empty data dir. Refused (exit 4): a data dir a running process holds, one without a log, an ID that is not a member in it.`;
  static override examples = [
    '<%= config.bin %> node recover --data-dir /var/lib/fleet/n1 --id n1',
    '<%= config.bin %> node recover --data-dir /var/lib/fleet/n1 --id n1 --yes',
    '<%= config.bin %> node recover --data-dir ./n1 --id n1 --listen 10.0.0.1:7781 --yes --json',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    'data-dir': Flags.string({ description: "the stopped member's data dir", required: true, helpValue: '<dir>' }),
    id: memberIdFlag({ description: "the member's id", required: true }),
    listen: Flags.string({ description: `the address it will listen on, for the start command printed (default ${DEFAULT_LISTEN})`, helpValue: '<host:port>' }),
    yes: Flags.boolean({ char: 'y', description: 'do it (without it, only the report is printed and nothing changes)', default: false }),
    'keep-uncommitted': Flags.boolean({
      description: 'keep the entries after the commit index too, as etcd --force-new-cluster does: no acknowledged write whose commit the survivor had not yet heard of is lost, but writes that never committed take effect',
      default: false,
    }),
  };

  async run(): Promise<NodeRecoverJson> {
    const { flags } = await this.parse(NodeRecover);
    const dataDir = resolve(flags['data-dir']);
    const [{ planRecovery, recoverDataDir }, { renderRecoveryPlan }, { stdoutPalette }] = await Promise.all([
      import('../../ops/recover.js'),
      import('../../ui/recover-report.js'),
      import('../../ui/colors.js'),
    ]);
    const p = stdoutPalette();
    if (!flags.yes) {
      const plan = await planRecovery(dataDir, flags.id, { keepUncommitted: flags['keep-uncommitted'] });
      this.log(renderRecoveryPlan(plan, p));
      throw new CliError(`recovering ${flags.id} drops ${plan.dropped.join(', ') || 'no member'}${plan.kept.uncommitted ? '' : ` and ${plan.uncommitted.count} uncommitted entr${plan.uncommitted.count === 1 ? 'y' : 'ies'}`}: pass --yes to do it`, {
        exitCode: EXIT.usage,
        code: 'USAGE',
        hint: `fleet node recover --data-dir ${dataDir} --id ${flags.id}${flags['keep-uncommitted'] ? ' --keep-uncommitted' : ''} --yes`,
        details: { plan },
      });
    }
    const outcome = await recoverDataDir(dataDir, flags.id, { keepUncommitted: flags['keep-uncommitted'] });
    const at = flags.listen ?? DEFAULT_LISTEN;
    const startCommand = `fleet node start --id ${flags.id} --data-dir ${dataDir} --listen ${at} --peers ${flags.id}=${at}`;
    this.log(renderRecoveryPlan(outcome.plan, p));
    this.log('');
    this.log(`${p.ok('✔')} ${dataDir} now holds ${flags.id} alone, kept up to index ${outcome.plan.kept.throughIndex}.`);
    this.log(`  old data:  ${outcome.movedAside}`);
    this.log(`  dropped:   ${outcome.droppedFile}`);
    this.log(`start it with:\n  ${startCommand}`);
    return { ...outcome, startCommand };
  }
}
