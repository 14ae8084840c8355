import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import type { LeaseStatus } from '../../client/index.js';

export default class LeasesList extends FleetCommand {
  static override summary = 'List leases with their holders, fencing tokens and time left.';
  static override description = '--json prints {"leases": [ … ], "servedBy": member, "appliedIndex": n}: the member that served the read and the index it had applied (see --consistency).';
  static override examples = ['<%= config.bin %> leases list', '<%= config.bin %> leases list --json'];
  static override flags = { consistency: consistencyFlag() };

  async run(): Promise<{ leases: LeaseStatus[] } & ServedFields> {
    const { flags } = await this.parse(LeasesList);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const leases = await registry.listLeases(reads.options);
    if (!this.jsonEnabled()) {
      const { renderLeases } = await import('../../ui/registry-tables.js');
      this.log(renderLeases(leases, await this.palette()));
    }
    return { leases, ...reads.fields() };
  }
}
