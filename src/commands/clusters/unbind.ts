import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { Written } from '../../client/index.js';

export default class ClustersUnbind extends FleetCommand {
  static override summary = 'Unbind a cluster: it stays known, bound to no shard.';
  static override examples = ['<%= config.bin %> clusters unbind c-123'];
  static override args = { name: Args.string({ description: 'cluster name', required: true }) };

  async run(): Promise<Written<'cluster.unbind'>> {
    const { args } = await this.parse(ClustersUnbind);
    const client = await this.client();
    const r = await client.unbind(args.name);
    this.log(r.previousShard === null ? `${args.name} was not bound` : `unbound ${args.name} from ${r.previousShard} (index ${r.index})`);
    return r;
  }
}
