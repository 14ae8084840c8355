import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { durationFlag } from '../cli/flags.js';
import type { ScaleResult } from '../ops/local-cluster/index.js';

/** `fleet scale --json`: what the local cluster's scaling did. */
export type ScaleJson = ScaleResult;

export default class Scale extends FleetCommand {
  static override summary = 'Grow or shrink a running local cluster, one safe step at a time.';
  static override description = `Growing: each new member starts with --join, is added as a learner, catches up with the leader, and only then is promoted to voter. Shrinking: members are removed one at a time, never one whose removal would leave the voters without a healthy majority, the leader only after it has handed leadership on; a removed member is stopped once its removal has committed. Writes continue throughout.

If it is interrupted or a step fails, the cluster is left consistent and running \`fleet scale\` again finishes the job.`;
  static override examples = ['<%= config.bin %> scale --nodes 3', '<%= config.bin %> scale --nodes 1 --name dev'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    nodes: Flags.integer({ description: 'the number of members wanted', required: true, min: 1, max: 7, helpValue: '<n>' }),
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    timeout: durationFlag({ description: 'deadline of each step (a learner catching up, a member stopping)', default: 60_000, defaultHelp: async () => '60s' }),
  };

  async run(): Promise<ScaleJson> {
    const { flags } = await this.parse(Scale);
    const lc = await import('../ops/local-cluster/index.js');
    const contexts = await this.contextStore();
    const r = await this.withProgress((progress, signal) => lc.scaleCluster({ root: lc.clustersRoot(), name: flags.name, nodes: flags.nodes, contexts, timeoutMs: flags.timeout, progress, signal }));
    if (r.outcome === 'unchanged') this.log(`Local cluster ${flags.name} already has ${r.to} member${r.to === 1 ? '' : 's'}; nothing changed.`);
    else {
      const seconds = (await import('../ops/local-cluster/render.js')).seconds(r.elapsedMs);
      const parts = [r.added.length > 0 ? `added ${r.added.join(', ')}` : '', r.removed.length > 0 ? `removed ${r.removed.join(', ')}` : ''].filter(Boolean);
      this.log(`Scaled local cluster ${flags.name} from ${r.from} to ${r.to} members (${parts.join('; ')}) in ${seconds}; leader ${r.leader}.`);
    }
    return r;
  }
}
