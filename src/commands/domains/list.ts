import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import type { DomainView } from '../../client/index.js';

export default class DomainsList extends FleetCommand {
  static override summary = 'List topology domain assignments (key=value → shard).';
  static override description = '--json prints {"domains": [ … ], "servedBy": member, "appliedIndex": n}: the member that served the read and the index it had applied (see --consistency).';
  static override examples = ['<%= config.bin %> domains list', '<%= config.bin %> domains list --shard s1 --json'];
  static override flags = { shard: Flags.string({ description: 'only domains assigned to this shard', helpValue: '<id>' }), consistency: consistencyFlag() };

  async run(): Promise<{ domains: DomainView[] } & ServedFields> {
    const { flags } = await this.parse(DomainsList);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const domains = await registry.listDomains({ ...reads.options, ...(flags.shard === undefined ? {} : { shard: flags.shard }) });
    if (!this.jsonEnabled()) {
      const { renderDomains } = await import('../../ui/registry-tables.js');
      this.log(renderDomains(domains, await this.palette()));
    }
    return { domains, ...reads.fields() };
  }
}
