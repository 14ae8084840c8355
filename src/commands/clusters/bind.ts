import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ClustersBind extends FleetCommand {
  static override summary = 'Bind a cluster to a shard (first contact wins).';
  static override description = `Records the binding of an unbound (or new) cluster. Binding it again to the same shard is a no-op; a cluster bound to another shard is refused with ALREADY_BOUND, naming its current shard (exit 4): moving a cluster takes an explicit rebind.`;
  static override examples = ['<%= config.bin %> clusters bind c-123 --shard s1', '<%= config.bin %> clusters bind c-123 --shard s1 --json'];
  static override args = { name: Args.string({ description: 'cluster name', required: true }) };
  static override flags = { shard: Flags.string({ description: 'the shard to bind it to', required: true, helpValue: '<id>' }), 'request-id': requestIdFlag() };

  async run(): Promise<Written<'cluster.contact'>> {
    const { args, flags } = await this.parse(ClustersBind);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'cluster.contact', cluster: args.name, shard: flags.shard });
    return this.wrote(r, r.bound ? `bound ${args.name} to ${flags.shard} (generation ${r.cluster.generation}, index ${r.index})` : `${args.name} is already bound to ${flags.shard}`);
  }
}
