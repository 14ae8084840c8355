import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { DomainView } from '../../client/index.js';

export default class DomainsList extends FleetCommand {
  static override summary = 'List topology domain assignments (key=value → shard).';
  static override examples = ['<%= config.bin %> domains list', '<%= config.bin %> domains list --shard s1 --json'];
  static override flags = { shard: Flags.string({ description: 'only domains assigned to this shard', helpValue: '<id>' }) };

  async run(): Promise<DomainView[]> {
    const { flags } = await this.parse(DomainsList);
    const client = await this.client();
    const domains = await client.listDomains(flags.shard === undefined ? {} : { shard: flags.shard });
    if (!this.jsonEnabled()) {
      const { renderDomains } = await import('../../ui/registry-tables.js');
      this.log(renderDomains(domains, await this.palette()));
    }
    return domains;
  }
}
