import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { leaseTtlFlag, requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class LeasesAcquire extends FleetCommand {
  static override summary = 'Take a lease (or renew it, for its holder) and print its fencing token.';
  static override description = 'Refused while another holder has it (exit 4). The fencing token only grows: pass it to whatever the lease protects. It is the keyspace\'s revision at the grant (its grant key\'s under /fleet/lease-grants/), so its value says only which grant came later: renew and release with the token this prints.';
  static override examples = [
    '<%= config.bin %> leases acquire deploy-lock --holder alice --ttl 30s',
    'TOKEN=$(<%= config.bin %> leases acquire deploy-lock --holder ci --ttl 5m --json | jq .lease.token)',
    {
      description: 'A retried acquire answers the first one\'s token (alreadyApplied in --json) instead of taking the lease again',
      command: '<%= config.bin %> leases acquire deploy-lock --holder ci --ttl 5m --request-id ci-run-981 --json',
    },
  ];
  static override args = { name: Args.string({ description: 'lease name', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    holder: Flags.string({ description: 'who holds it', required: true, helpValue: '<holder>' }),
    ttl: leaseTtlFlag({ description: 'how long it lasts unless renewed: seconds (30), or a duration (30s, 5m); 1s to 24h', required: true }),
  };

  async run(): Promise<Written<'lease.acquire'>> {
    const { args, flags } = await this.parse(LeasesAcquire);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'lease.acquire', name: args.name, holder: flags.holder, ttlMs: flags.ttl });
    return this.wrote(r, `${r.renewed ? 'renewed' : 'acquired'} ${args.name} for ${flags.holder}: token ${r.lease.token}`);
  }
}
