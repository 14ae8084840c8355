import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ProvidersRemove extends FleetCommand {
  static override summary = 'Remove a provider (refused while quotas refer to it).';
  static override examples = ['<%= config.bin %> providers remove aws'];
  static override aliases = ['providers:rm'];
  static override args = { name: Args.string({ description: 'provider name', required: true }) };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'provider.remove'>> {
    const { args, flags } = await this.parse(ProvidersRemove);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'provider.remove', name: args.name });
    return this.wrote(r, `removed provider ${args.name} (index ${r.index})`);
  }
}
