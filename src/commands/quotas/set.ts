import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { parseCounts } from '../../cli/parse.js';
import type { Written } from '../../client/index.js';

export default class QuotasSet extends FleetCommand {
  static override summary = 'Set a provider+region quota and split it into per-shard slices.';
  static override description = 'Creates or replaces the quota; --slice gives every slice (those not given are dropped). The provider must exist (fleet providers add).';
  static override examples = ['<%= config.bin %> quotas set aws eu-west-1 --total 1000 --slice s1=600 --slice s2=400'];
  static override args = {
    provider: Args.string({ description: 'provider name', required: true }),
    region: Args.string({ description: 'region', required: true }),
  };
  static override flags = {
    'request-id': requestIdFlag(),
    total: Flags.integer({ description: 'the quota\'s total', required: true, min: 0 }),
    slice: Flags.string({ description: 'a slice SHARD=N (repeatable)', multiple: true, helpValue: '<shard=n>' }),
  };

  async run(): Promise<Written<'quota.set'>> {
    const { args, flags } = await this.parse(QuotasSet);
    const slices = parseCounts(flags.slice, 'slice');
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'quota.set', provider: args.provider, region: args.region, total: flags.total, slices });
    return this.wrote(r, `${r.created ? 'created' : 'updated'} quota ${args.provider}/${args.region}: ${r.quota.allocated} of ${r.quota.total} allocated (index ${r.index})`);
  }
}
