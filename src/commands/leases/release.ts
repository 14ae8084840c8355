import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class LeasesRelease extends FleetCommand {
  static override summary = 'Give a lease back.';
  static override description = 'Only its holder, with its current fencing token, can release it (else exit 4).';
  static override examples = ['<%= config.bin %> leases release deploy-lock --holder alice --fencing-token 7'];
  static override args = { name: Args.string({ description: 'lease name', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    holder: Flags.string({ description: 'its holder', required: true, helpValue: '<holder>' }),
    // Not --token: that is the bearer token every command takes.
    'fencing-token': Flags.integer({ description: 'its fencing token (from leases acquire)', required: true, min: 0 }),
  };

  async run(): Promise<Written<'lease.release'>> {
    const { args, flags } = await this.parse(LeasesRelease);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'lease.release', name: args.name, holder: flags.holder, token: flags['fencing-token'] });
    return this.wrote(r, `released ${args.name} (token ${r.token})`);
  }
}
