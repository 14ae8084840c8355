import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { parsePair } from '../../cli/parse.js';
import type { Written } from '../../client/index.js';

export default class DomainsUnassign extends FleetCommand {
  static override summary = 'Remove the assignment of a topology domain.';
  static override examples = ['<%= config.bin %> domains unassign zone=eu-west-1a'];
  static override args = { domain: Args.string({ description: 'the domain as KEY=VALUE', required: true }) };
  static override flags = { 'request-id': requestIdFlag() };

  async run(): Promise<Written<'domain.unassign'>> {
    const { args, flags } = await this.parse(DomainsUnassign);
    const [key, value] = parsePair(args.domain, 'domain');
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'domain.unassign', key, value });
    return this.wrote(r, `unassigned ${key}=${value} from ${r.shard} (index ${r.index})`);
  }
}
