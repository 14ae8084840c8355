import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { parsePair } from '../../cli/parse.js';
import type { Written } from '../../client/index.js';

export default class DomainsAssign extends FleetCommand {
  static override summary = 'Assign a topology domain (KEY=VALUE) to a shard.';
  static override description = 'Reassigning a domain to another shard moves it; the previous shard is printed.';
  static override examples = ['<%= config.bin %> domains assign zone=eu-west-1a --shard s1', '<%= config.bin %> domains assign rack=r-7 --shard s2 --json'];
  static override args = { domain: Args.string({ description: 'the domain as KEY=VALUE', required: true }) };
  static override flags = { shard: Flags.string({ description: 'the shard to assign it to', required: true, helpValue: '<id>' }) };

  async run(): Promise<Written<'domain.assign'>> {
    const { args, flags } = await this.parse(DomainsAssign);
    const [key, value] = parsePair(args.domain, 'domain');
    const client = await this.client();
    const r = await client.assignDomain(key, value, flags.shard);
    const moved = r.previousShard !== null && r.previousShard !== flags.shard ? ` (moved from ${r.previousShard})` : '';
    this.log(`assigned ${key}=${value} to ${flags.shard}${moved} (index ${r.index})`);
    return r;
  }
}
