import { FleetCommand } from '../../cli/base-command.js';
import type { QuotaView } from '../../client/index.js';

export default class QuotasList extends FleetCommand {
  static override summary = 'List provider+region quotas and their per-shard slices.';
  static override examples = ['<%= config.bin %> quotas list', '<%= config.bin %> quotas list --json'];

  async run(): Promise<QuotaView[]> {
    await this.parse(QuotasList);
    const client = await this.client();
    const quotas = await client.listQuotas();
    if (!this.jsonEnabled()) {
      const { renderQuotas } = await import('../../ui/registry-tables.js');
      this.log(renderQuotas(quotas, await this.palette()));
    }
    return quotas;
  }
}
