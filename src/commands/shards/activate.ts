import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ShardsActivate extends FleetCommand {
  static override summary = 'Return a draining or cordoned shard to service.';
  static override description = 'Sets the shard\'s state to active. Idempotent: a shard already active stays so.';
  static override examples = ['<%= config.bin %> shards activate s1', '<%= config.bin %> shards activate s1 --json'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'shard.setState'>> {
    const { args, flags } = await this.parse(ShardsActivate);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'shard.setState', id: args.id, state: 'active' });
    return this.wrote(r, r.previousState === 'active' ? `shard ${args.id} was already active` : `shard ${args.id}: ${r.previousState} → active (index ${r.index})`);
  }
}
