import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ShardsDrain extends FleetCommand {
  static override summary = 'Stop binding new clusters to a shard; bound clusters stay (move them with a rebind plan).';
  static override description = 'Sets the shard\'s state to draining. Idempotent: a shard already draining stays so.';
  static override examples = ['<%= config.bin %> shards drain s1', '<%= config.bin %> shards drain s1 --json'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'shard.setState'>> {
    const { args, flags } = await this.parse(ShardsDrain);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'shard.setState', id: args.id, state: 'draining' });
    return this.wrote(r, r.previousState === 'draining' ? `shard ${args.id} was already draining` : `shard ${args.id}: ${r.previousState} → draining (index ${r.index})`);
  }
}
