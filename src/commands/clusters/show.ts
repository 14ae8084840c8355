import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { ClusterView } from '../../client/index.js';

export default class ClustersShow extends FleetCommand {
  static override summary = 'Show one cluster: its shard, binding generation and last contact.';
  static override description = '--json adds the member that served the read (servedBy) and the index it had applied (appliedIndex). A cluster the registry does not know exits 9 (not found; "code": "NOT_FOUND" with --json).';
  static override examples = [
    '<%= config.bin %> clusters show c-123',
    '<%= config.bin %> clusters show c-123 --json',
    { description: 'Read on the member reached once it has applied index 1042 (a write\'s "index")', command: '<%= config.bin %> clusters show c-123 --consistency min-index:1042' },
  ];
  static override flags = { consistency: consistencyFlag() };
  static override args = { name: Args.string({ description: 'cluster name', required: true }) };

  async run(): Promise<ClusterView & ServedFields> {
    const { args, flags } = await this.parse(ClustersShow);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const cluster = await registry.getCluster(args.name, reads.options);
    if (cluster === undefined) throw new CliError(`no cluster named ${JSON.stringify(args.name)}`, { exitCode: EXIT.notFound, hint: 'fleet clusters list' });
    if (!this.jsonEnabled()) {
      const { renderCluster } = await import('../../ui/registry-tables.js');
      this.log(renderCluster(cluster, await this.palette()));
    }
    return { ...cluster, ...reads.fields() };
  }
}
