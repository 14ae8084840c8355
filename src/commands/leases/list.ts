import { FleetCommand } from '../../cli/base-command.js';
import type { LeaseStatus } from '../../client/index.js';

export default class LeasesList extends FleetCommand {
  static override summary = 'List leases with their holders, fencing tokens and time left.';
  static override examples = ['<%= config.bin %> leases list', '<%= config.bin %> leases list --json'];

  async run(): Promise<LeaseStatus[]> {
    await this.parse(LeasesList);
    const client = await this.client();
    const leases = await client.listLeases();
    if (!this.jsonEnabled()) {
      const { renderLeases } = await import('../../ui/registry-tables.js');
      this.log(renderLeases(leases, await this.palette()));
    }
    return leases;
  }
}
