import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';
import type { ShardView } from '../../client/index.js';

export default class ShardsList extends FleetCommand {
  static override summary = 'List shards with their state, bound clusters and capacity.';
  static override description = '--json prints {"shards": [ … ], "servedBy": member, "appliedIndex": n}: the member that served the read and the index it had applied (see --consistency).';
  static override examples = [
    '<%= config.bin %> shards list',
    '<%= config.bin %> shards list --state draining --json',
    { description: 'Read from whichever member answers first, as fresh as it is (servedBy and appliedIndex in --json say which and how fresh)', command: '<%= config.bin %> shards list --consistency serializable --json' },
  ];
  static override flags = {
    consistency: consistencyFlag(),
    state: Flags.string({ description: 'only shards in this state', options: ['active', 'draining', 'cordoned'] }),
    region: Flags.string({ description: 'only shards in this region', helpValue: '<region>' }),
  };

  async run(): Promise<{ shards: ShardView[] } & ServedFields> {
    const { flags } = await this.parse(ShardsList);
    const registry = await this.registry();
    const reads = new ServedReads(flags.consistency);
    const shards = (await registry.listShards(reads.options)).filter((s) => (flags.state === undefined || s.state === flags.state) && (flags.region === undefined || s.region === flags.region));
    if (!this.jsonEnabled()) {
      const { renderShards } = await import('../../ui/registry-tables.js');
      this.log(renderShards(shards, await this.palette()));
    }
    return { shards, ...reads.fields() };
  }
}
