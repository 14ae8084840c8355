import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { parsePair } from '../../cli/parse.js';
import { dryRunFlag, forceFlag } from '../../cli/safety-gate.js';
import type { Written } from '../../client/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DomainsAssign extends FleetCommand {
  static override summary = 'Assign a topology domain (KEY=VALUE) to a shard.';
  static override description = `Assigning a domain that is not assigned yet, or again to the same shard, just records it. Assigning it to another shard moves it: that is refused (exit 4, with the preview naming the shard it is on) unless --force. --dry-run prints what it would do and changes nothing.`;
  static override examples = [
    '<%= config.bin %> domains assign zone=eu-west-1a --shard s1',
    '<%= config.bin %> domains assign rack=r-7 --shard s2 --dry-run',
    '<%= config.bin %> domains assign rack=r-7 --shard s2 --force --json',
  ];
  static override args = { domain: Args.string({ description: 'the domain as KEY=VALUE', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    shard: Flags.string({ description: 'the shard to assign it to', required: true, helpValue: '<id>' }),
    force: forceFlag('move the domain when it is assigned to another shard'),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<Written<'domain.assign'> | PreviewDocument> {
    const { args, flags } = await this.parse(DomainsAssign);
    const [key, value] = parsePair(args.domain, 'domain');
    const registry = await this.registry({ requestId: flags['request-id'] });
    const [{ previewChange }, { impactOf }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../ops/safety/records.js'), import('../../cli/safety-gate.js')]);
    const [model, domains] = await Promise.all([this.gateModel(), registry.listDomains()]);
    const current = domains.find((d) => d.key === key && d.value === value)?.shard;
    const moves = current !== undefined && current !== flags.shard;
    const summary = moves ? `move ${key}=${value} from ${current} to ${flags.shard}` : `assign ${key}=${value} to ${flags.shard}${current === flags.shard ? ' (already there: nothing changes)' : ''}`;
    const records = impactOf(moves ? 'move' : 'assign', 'domains', current === flags.shard ? 0 : 1, [`${key}=${value}: ${current ?? 'unassigned'} → ${flags.shard}`]);
    const risks = moves ? [{ code: 'MOVES_DOMAIN', forceable: true, message: `${key}=${value} is assigned to ${current}: assigning it to ${flags.shard} moves it` }] : [];
    const dry = await passGate(this, previewChange(model, { kind: 'write', summary, records, risks }), { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const r = await registry.write({ type: 'domain.assign', key, value, shard: flags.shard });
    const moved = r.previousShard !== null && r.previousShard !== flags.shard ? ` (moved from ${r.previousShard})` : '';
    return this.wrote(r, `assigned ${key}=${value} to ${flags.shard}${moved} (index ${r.index})`);
  }
}
