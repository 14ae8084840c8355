import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { Written } from '../../client/index.js';

export default class ProvidersAdd extends FleetCommand {
  static override summary = 'Register an infrastructure provider.';
  static override examples = ['<%= config.bin %> providers add aws --kind aws --region eu-west-1 --region us-east-1 --endpoint https://ec2.amazonaws.com'];
  static override args = { name: Args.string({ description: 'provider name', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    kind: Flags.string({ description: 'provider kind (aws, gcp, metal, …)', required: true, helpValue: '<kind>' }),
    region: Flags.string({ description: 'a region it serves (repeatable)', multiple: true, helpValue: '<region>' }),
    endpoint: Flags.string({ description: 'its API endpoint', required: true, helpValue: '<url>' }),
  };

  async run(): Promise<Written<'provider.add'>> {
    const { args, flags } = await this.parse(ProvidersAdd);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const r = await registry.write({ type: 'provider.add', name: args.name, kind: flags.kind, regions: flags.region ?? [], endpoint: flags.endpoint });
    return this.wrote(r, r.created ? `added provider ${args.name} (index ${r.index})` : `provider ${args.name} is already registered as given`);
  }
}
