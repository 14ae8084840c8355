import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { Written } from '../../client/index.js';

export default class ProvidersRemove extends FleetCommand {
  static override summary = 'Remove a provider (refused while quotas refer to it).';
  static override examples = ['<%= config.bin %> providers remove aws'];
  static override aliases = ['providers:rm'];
  static override args = { name: Args.string({ description: 'provider name', required: true }) };

  async run(): Promise<Written<'provider.remove'>> {
    const { args } = await this.parse(ProvidersRemove);
    const client = await this.client();
    const r = await client.removeProvider(args.name);
    this.log(`removed provider ${args.name} (index ${r.index})`);
    return r;
  }
}
