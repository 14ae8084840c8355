import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { formatDuration } from '../../common/durations.js';
import { leaseTtlFlag, requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class LeasesRenew extends FleetCommand {
  static override summary = 'Extend a live lease, for its holder, keeping its fencing token.';
  static override description =
    'Only the holder with the current fencing token can renew (else exit 4), and only before the lease expires: an expired lease must be acquired again, which gives it a new token. Without --ttl the lease keeps the TTL it has.';
  static override examples = [
    '<%= config.bin %> leases renew deploy-lock --holder alice --fencing-token 7',
    '<%= config.bin %> leases renew deploy-lock --holder ci --fencing-token 7 --ttl 5m --json',
  ];
  static override args = { name: Args.string({ description: 'lease name', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    holder: Flags.string({ description: 'its holder', required: true, helpValue: '<holder>' }),
    // Not --token: that is the bearer token every command takes.
    'fencing-token': Flags.integer({ description: 'its fencing token (from leases acquire)', required: true, min: 0 }),
    ttl: leaseTtlFlag({ description: 'the new time to live, from now: seconds (30), or a duration (30s, 5m); 1s to 24h (default: its current TTL)' }),
  };

  async run(): Promise<Written<'lease.renew'>> {
    const { args, flags } = await this.parse(LeasesRenew);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'lease.renew', name: args.name, holder: flags.holder, token: flags['fencing-token'], ...(flags.ttl === undefined ? {} : { ttlMs: flags.ttl }) });
    return this.wrote(r, `renewed ${args.name} for ${r.lease.holder}: token ${r.lease.token}, expires in ${formatDuration(r.lease.ttlMs)} (index ${r.index})`);
  }
}
