import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { CliError, EXIT } from '../common/errors.js';
import { waitFlag } from '../cli/flags.js';
import type { RecoverResult } from '../ops/local-cluster/index.js';

/** `fleet recover --json`. */
export type RecoverJson = Omit<RecoverResult, 'outcome'> & { readonly outcome: 'recovered' };

export default class Recover extends FleetCommand {
  static override summary = 'Rebuild a local cluster whose majority is permanently gone as a one-member cluster of a survivor.';
  static override description = `Disaster recovery after quorum loss, like etcd --force-new-cluster. It first reports what the survivor holds: its last index and term, its commit index (entries up to it were committed for certain and are kept; entries after it may not have been and are dropped, unless --keep-uncommitted), and the members that will be dropped. Nothing changes without --yes (exit 2 naming it).

With --yes it stops the survivor, moves its data dir aside (DIR.pre-recover-<time>), writes what it dropped (the entries after the commit index, the removed members) to DIR.recover-<time>.json, re-seeds DIR with the registry as of the commit index and a membership of the survivor alone, keeps only that member in the cluster's manifest, and starts it. Then grow the cluster back with fleet scale --nodes 3.

It refuses (exit 4, nothing changed) while a quorum of voters answers, or while any member other than --from answers: it never stops a member that is reachable. Recover from the member with the most advanced log (fleet status --json: lastIndex).`;
  static override examples = [
    '<%= config.bin %> recover --from n1',
    '<%= config.bin %> recover --from n1 --keep-uncommitted --yes',
    '<%= config.bin %> recover --from n1 --yes',
    '<%= config.bin %> recover --from n2 --name dev --yes --json',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    from: Flags.string({ description: 'the surviving member to rebuild the cluster from', required: true, helpValue: '<id>' }),
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    yes: Flags.boolean({ char: 'y', description: 'do it (without it, only the report is printed and nothing changes)', default: false }),
    'keep-uncommitted': Flags.boolean({
      description: 'keep the entries after the commit index too, as etcd --force-new-cluster does: no acknowledged write whose commit the survivor had not yet heard of is lost, but writes that never committed take effect',
      default: false,
    }),
    timeout: waitFlag({ description: 'how long the survivor gets to stop, and then to become healthy', default: 30_000, defaultHelp: async () => '30s' }),
  };

  async run(): Promise<RecoverJson> {
    const { flags } = await this.parse(Recover);
    const lc = await import('../ops/local-cluster/index.js');
    const contexts = await this.contextStore();
    const r = await this.withProgress((progress, signal) =>
      lc.recoverLocalCluster({ root: lc.clustersRoot(), name: flags.name, from: flags.from, yes: flags.yes, keepUncommitted: flags['keep-uncommitted'], contexts, timeoutMs: flags.timeout, progress, signal }),
    );
    const [{ renderRecoveryPlan }, { stdoutPalette }] = await Promise.all([import('../ui/recover-report.js'), import('../ui/colors.js')]);
    const p = stdoutPalette();
    this.log(renderRecoveryPlan(r.plan, p));
    if (r.outcome === 'needs-confirmation') {
      throw new CliError(`recovering ${flags.name} from ${flags.from} drops ${r.plan.dropped.join(', ') || 'no member'}${r.plan.kept.uncommitted ? '' : ` and ${r.plan.uncommitted.count} uncommitted entr${r.plan.uncommitted.count === 1 ? 'y' : 'ies'}`}: pass --yes to do it`, {
        exitCode: EXIT.usage,
        code: 'USAGE',
        hint: `fleet recover --from ${flags.from}${flags.name === 'local' ? '' : ` --name ${flags.name}`}${flags['keep-uncommitted'] ? ' --keep-uncommitted' : ''} --yes`,
        details: { plan: r.plan },
      });
    }
    this.log('');
    this.log(`${p.ok('✔')} Local cluster ${p.bold(flags.name)} is now ${flags.from} alone, leader ${r.leader} (kept up to index ${r.plan.kept.throughIndex}).`);
    this.log(`  old data:  ${r.movedAside}`);
    this.log(`  dropped:   ${r.droppedFile}`);
    if (r.stopped.length > 0) this.log(`  stopped:   ${r.stopped.join(', ')} (not answering)`);
    this.log(`Grow it back with: fleet scale --nodes 3${flags.name === 'local' ? '' : ` --name ${flags.name}`}`);
    return { ...r, outcome: 'recovered' };
  }
}
