import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { Written } from '../../client/index.js';

export default class ShardsRemove extends FleetCommand {
  static override summary = 'Remove a shard from the registry.';
  static override description = 'Refused while clusters are bound to it (exit 4); --force unbinds them, unassigns its domains and drops its quota slices.';
  static override examples = ['<%= config.bin %> shards remove s1', '<%= config.bin %> shards remove s1 --force'];
  static override aliases = ['shards:rm'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = { force: Flags.boolean({ description: 'unbind its clusters and remove it anyway', default: false }) };

  async run(): Promise<Written<'shard.remove'>> {
    const { args, flags } = await this.parse(ShardsRemove);
    const client = await this.client();
    const r = await client.removeShard(args.id, { force: flags.force });
    const extra = [r.unboundClusters && `${r.unboundClusters} clusters unbound`, r.unassignedDomains && `${r.unassignedDomains} domains unassigned`, r.droppedQuotaSlices && `${r.droppedQuotaSlices} quota slices dropped`].filter(Boolean);
    this.log(`removed shard ${args.id}${extra.length ? `: ${extra.join(', ')}` : ''} (index ${r.index})`);
    return r;
  }
}
