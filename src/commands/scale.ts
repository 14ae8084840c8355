import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { waitFlag } from '../cli/flags.js';
import { dryRunFlag, forceFlag } from '../cli/safety-gate.js';
import type { ScaleResult } from '../ops/local-cluster/index.js';
import type { PreviewDocument } from '../ops/safety/gate.js';

/** `fleet scale --json`: what the local cluster's scaling did. */
export type ScaleJson = ScaleResult;

export default class Scale extends FleetCommand {
  static override summary = 'Grow or shrink a running local cluster, one safe step at a time.';
  static override description = `Growing: each new member starts with --join, is added as a learner, catches up with the leader, and only then is promoted to voter. Shrinking: members are removed one at a time, never one whose removal would leave the voters without a healthy majority, the leader only after it has handed leadership on; a removed member is stopped once its removal has committed. Writes continue throughout.

Before anything changes, the safety gate previews the whole resize (voters, quorum and failures survivable before and after) and refuses (exit 4, with the preview) a size that leaves an even number of voters (2, 4, 6) or a cluster that can lose no voter where it could lose one (3 → 1); --force accepts the risk, --dry-run prints the preview and changes nothing.

If it is interrupted or a step fails, the cluster is left consistent and running \`fleet scale\` again finishes the job.`;
  static override examples = ['<%= config.bin %> scale --nodes 3', '<%= config.bin %> scale --nodes 5 --dry-run', '<%= config.bin %> scale --nodes 1 --name dev --force'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    nodes: Flags.integer({ description: 'the number of members wanted', required: true, min: 1, max: 7, helpValue: '<n>' }),
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    timeout: waitFlag({ description: 'deadline of each step (a learner catching up, a member stopping)', default: 60_000, defaultHelp: async () => '60s' }),
    force: forceFlag(),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<ScaleJson | PreviewDocument> {
    const { flags } = await this.parse(Scale);
    const [lc, { passGate }] = await Promise.all([import('../ops/local-cluster/index.js'), import('../cli/safety-gate.js')]);
    const contexts = await this.contextStore();
    let dry: PreviewDocument | undefined;
    const r = await this.withProgress((progress, signal) =>
      lc.scaleCluster({
        root: lc.clustersRoot(),
        name: flags.name,
        nodes: flags.nodes,
        contexts,
        timeoutMs: flags.timeout,
        progress,
        signal,
        gate: async (preview) => {
          // The spinner would draw over the preview.
          progress.stop();
          dry = await passGate(this, preview, { force: flags.force, dryRun: flags['dry-run'] });
          return dry === undefined;
        },
      }),
    );
    if (dry !== undefined) return dry;
    if (r.outcome === 'unchanged') this.log(`Local cluster ${flags.name} already has ${r.to} member${r.to === 1 ? '' : 's'}; nothing changed.`);
    else {
      const seconds = (await import('../ui/local-cluster.js')).seconds(r.elapsedMs);
      const parts = [r.added.length > 0 ? `added ${r.added.join(', ')}` : '', r.removed.length > 0 ? `removed ${r.removed.join(', ')}` : ''].filter(Boolean);
      this.log(`Scaled local cluster ${flags.name} from ${r.from} to ${r.to} members (${parts.join('; ')}) in ${seconds}; leader ${r.leader}.`);
    }
    return r;
  }
}
