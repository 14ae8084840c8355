import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class QuotasRemove extends FleetCommand {
  static override summary = 'Remove a provider+region quota and all its per-shard slices.';
  static override description = 'Fails with exit 1 when there is no such quota. The provider itself stays (fleet providers remove).';
  static override examples = ['<%= config.bin %> quotas remove aws eu-west-1', '<%= config.bin %> quotas remove aws eu-west-1 --json'];
  static override aliases = ['quotas:rm'];
  static override args = {
    provider: Args.string({ description: 'provider name', required: true }),
    region: Args.string({ description: 'region', required: true }),
  };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'quota.remove'>> {
    const { args, flags } = await this.parse(QuotasRemove);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'quota.remove', provider: args.provider, region: args.region });
    return this.wrote(r, `removed quota ${r.provider}/${r.region} (index ${r.index})`);
  }
}
