import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { ShardView } from '../../client/index.js';

export default class ShardsList extends FleetCommand {
  static override summary = 'List shards with their state, bound clusters and capacity.';
  static override examples = ['<%= config.bin %> shards list', '<%= config.bin %> shards list --state draining --json'];
  static override flags = {
    state: Flags.string({ description: 'only shards in this state', options: ['active', 'draining', 'cordoned'] }),
    region: Flags.string({ description: 'only shards in this region', helpValue: '<region>' }),
  };

  async run(): Promise<ShardView[]> {
    const { flags } = await this.parse(ShardsList);
    const client = await this.client();
    const shards = (await client.listShards()).filter((s) => (flags.state === undefined || s.state === flags.state) && (flags.region === undefined || s.region === flags.region));
    if (!this.jsonEnabled()) {
      const { renderShards } = await import('../../ui/registry-tables.js');
      this.log(renderShards(shards, await this.palette()));
    }
    return shards;
  }
}
