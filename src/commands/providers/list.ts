import { FleetCommand } from '../../cli/base-command.js';
import type { ProviderView } from '../../client/index.js';

export default class ProvidersList extends FleetCommand {
  static override summary = 'List infrastructure providers.';
  static override examples = ['<%= config.bin %> providers list', '<%= config.bin %> providers list --json'];

  async run(): Promise<ProviderView[]> {
    await this.parse(ProvidersList);
    const client = await this.client();
    const providers = await client.listProviders();
    if (!this.jsonEnabled()) {
      const { renderProviders } = await import('../../ui/registry-tables.js');
      this.log(renderProviders(providers, await this.palette()));
    }
    return providers;
  }
}
