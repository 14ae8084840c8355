import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ShardsCordon extends FleetCommand {
  static override summary = 'Take a shard out of scheduling entirely (no new bindings).';
  static override description = 'Sets the shard\'s state to cordoned. Idempotent: a shard already cordoned stays so.';
  static override examples = ['<%= config.bin %> shards cordon s1', '<%= config.bin %> shards cordon s1 --json'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'shard.setState'>> {
    const { args, flags } = await this.parse(ShardsCordon);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'shard.setState', id: args.id, state: 'cordoned' });
    return this.wrote(r, r.previousState === 'cordoned' ? `shard ${args.id} was already cordoned` : `shard ${args.id}: ${r.previousState} → cordoned (index ${r.index})`);
  }
}
