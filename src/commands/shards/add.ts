import { Args, Flags } from '@oclif/core';
import { parseHostPort } from '../../common/addresses.js';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { UsageError } from '../../common/errors.js';
import { parsePairs } from '../../cli/parse.js';
import type { Written } from '../../client/index.js';

export default class ShardsAdd extends FleetCommand {
  static override summary = 'Register a shard that clusters can bind to.';
  static override description = 'Registering the same shard again with identical fields is a no-op; to change a shard, use fleet shards update.';
  static override examples = [
    '<%= config.bin %> shards add s1 --address 10.0.1.5:443 --region eu-west-1 --zone eu-west-1a --capacity 500 --label tier=gold',
    {
      description: 'In a script that retries on failure: the shard is registered once, even if it was removed between two runs',
      command: '<%= config.bin %> shards add s1 --address 10.0.1.5:443 --region eu-west-1 --zone eu-west-1a --capacity 500 --request-id add-s1-$CHANGE_ID --json',
    },
  ];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    address: Flags.string({ description: 'the shard\'s host:port', required: true, helpValue: '<host:port>' }),
    region: Flags.string({ description: 'region', required: true, helpValue: '<region>' }),
    zone: Flags.string({ description: 'zone', required: true, helpValue: '<zone>' }),
    capacity: Flags.integer({ description: 'most clusters it may hold', required: true, min: 0 }),
    label: Flags.string({ description: 'a label KEY=VALUE (repeatable)', multiple: true, helpValue: '<key=value>' }),
  };

  async run(): Promise<Written<'shard.register'>> {
    const { args, flags } = await this.parse(ShardsAdd);
    try {
      parseHostPort(flags.address, '--address');
    } catch (err) {
      throw new UsageError((err as Error).message, this.helpHint(), err);
    }
    const labels = parsePairs(flags.label, 'label');
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'shard.register', id: args.id, address: flags.address, region: flags.region, zone: flags.zone, capacity: flags.capacity, labels });
    return this.wrote(r, r.created ? `registered shard ${args.id} (index ${r.index})` : `shard ${args.id} is already registered as given (index ${r.index})`);
  }
}
