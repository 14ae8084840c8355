import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import type { QuotaView } from '../../client/index.js';

export default class QuotasList extends FleetCommand {
  static override summary = 'List provider+region quotas and their per-shard slices.';
  static override description = '--json prints {"quotas": [ … ], "servedBy": member, "appliedIndex": n}: the member that served the read and the index it had applied (see --consistency).';
  static override examples = ['<%= config.bin %> quotas list', '<%= config.bin %> quotas list --json'];
  static override flags = { consistency: consistencyFlag() };

  async run(): Promise<{ quotas: QuotaView[] } & ServedFields> {
    const { flags } = await this.parse(QuotasList);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const quotas = await registry.listQuotas(reads.options);
    if (!this.jsonEnabled()) {
      const { renderQuotas } = await import('../../ui/registry-tables.js');
      this.log(renderQuotas(quotas, await this.palette()));
    }
    return { quotas, ...reads.fields() };
  }
}
