import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { UsageError } from '../../common/errors.js';
import { parsePairs } from '../../cli/parse.js';
import type { Written } from '../../client/index.js';

export default class ShardsUpdate extends FleetCommand {
  static override summary = 'Change a shard\'s address, region, zone, capacity or labels.';
  static override description = 'Only the fields given change; --label replaces the whole label set (pass --clear-labels to remove them all).';
  static override examples = ['<%= config.bin %> shards update s1 --capacity 800', '<%= config.bin %> shards update s1 --label tier=silver --label team=infra'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    address: Flags.string({ description: 'new host:port', helpValue: '<host:port>' }),
    region: Flags.string({ description: 'new region', helpValue: '<region>' }),
    zone: Flags.string({ description: 'new zone', helpValue: '<zone>' }),
    capacity: Flags.integer({ description: 'new capacity', min: 0 }),
    label: Flags.string({ description: 'a label KEY=VALUE (repeatable; replaces all labels)', multiple: true, helpValue: '<key=value>', exclusive: ['clear-labels'] }),
    'clear-labels': Flags.boolean({ description: 'remove every label', default: false }),
  };

  async run(): Promise<Written<'shard.update'>> {
    const { args, flags } = await this.parse(ShardsUpdate);
    const changes = {
      ...(flags.address === undefined ? {} : { address: flags.address }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(flags.zone === undefined ? {} : { zone: flags.zone }),
      ...(flags.capacity === undefined ? {} : { capacity: flags.capacity }),
      ...(flags.label === undefined && !flags['clear-labels'] ? {} : { labels: parsePairs(flags.label, 'label') }),
    };
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: pass at least one of --address --region --zone --capacity --label --clear-labels', this.helpHint());
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'shard.update', id: args.id, ...changes });
    return this.wrote(r, `updated shard ${args.id} (index ${r.index})`);
  }
}
