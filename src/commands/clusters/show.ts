import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';
import type { ClusterView } from '../../client/index.js';

export default class ClustersShow extends FleetCommand {
  static override summary = 'Show one cluster: its shard, binding generation and last contact.';
  static override examples = ['<%= config.bin %> clusters show c-123', '<%= config.bin %> clusters show c-123 --json'];
  static override args = { name: Args.string({ description: 'cluster name', required: true }) };

  async run(): Promise<ClusterView> {
    const { args } = await this.parse(ClustersShow);
    const client = await this.client();
    const cluster = await client.getCluster(args.name);
    if (cluster === undefined) throw new CliError(`no cluster named ${JSON.stringify(args.name)}`, { code: 'NOT_FOUND', hint: 'fleet clusters list' });
    if (!this.jsonEnabled()) {
      const { renderCluster } = await import('../../ui/registry-tables.js');
      this.log(renderCluster(cluster, await this.palette()));
    }
    return cluster;
  }
}
