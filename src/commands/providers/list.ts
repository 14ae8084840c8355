import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import type { ProviderView } from '../../client/index.js';

export default class ProvidersList extends FleetCommand {
  static override summary = 'List infrastructure providers.';
  static override description = '--json prints {"providers": [ … ], "servedBy": member, "appliedIndex": n}: the member that served the read and the index it had applied (see --consistency).';
  static override examples = ['<%= config.bin %> providers list', '<%= config.bin %> providers list --json'];
  static override flags = { consistency: consistencyFlag() };

  async run(): Promise<{ providers: ProviderView[] } & ServedFields> {
    const { flags } = await this.parse(ProvidersList);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const providers = await registry.listProviders(reads.options);
    if (!this.jsonEnabled()) {
      const { renderProviders } = await import('../../ui/registry-tables.js');
      this.log(renderProviders(providers, await this.palette()));
    }
    return { providers, ...reads.fields() };
  }
}
