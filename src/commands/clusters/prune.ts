import { FleetCommand } from '../../cli/base-command.js';
import { durationFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ClustersPrune extends FleetCommand {
  static override summary = 'Forget clusters not seen for a while.';
  static override description = 'Removes every cluster whose last contact is older than --stale (by the registry clock). List them first with `fleet clusters list --stale DURATION`.';
  static override examples = ['<%= config.bin %> clusters prune --stale 30d', '<%= config.bin %> clusters prune --stale 24h --json'];
  static override flags = { stale: durationFlag({ description: 'forget clusters not seen for this long', required: true }) };

  async run(): Promise<Written<'cluster.prune'>> {
    const { flags } = await this.parse(ClustersPrune);
    const client = await this.client();
    const r = await client.pruneClusters(flags.stale);
    this.log(`pruned ${r.pruned} clusters (index ${r.index})`);
    return r;
  }
}
