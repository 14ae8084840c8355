import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import type { KvWrite } from '../../client/engine.js';

export default class KvPut extends FleetCommand {
  static override summary = 'Write a key\'s value.';
  static override examples = [
    '<%= config.bin %> kv put config/feature-x on',
    '<%= config.bin %> kv put owner alice --ns app1 --json',
    {
      description: 'Safe to run again after a timeout: a re-run with the same ID changes nothing and says "already applied at index N"',
      command: '<%= config.bin %> kv put config/mode blue --request-id deploy-42',
    },
  ];
  static override args = {
    key: Args.string({ description: 'the key', required: true }),
    value: Args.string({ description: 'the value', required: true }),
  };
  static override flags = { ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }), 'request-id': requestIdFlag() };

  async run(): Promise<KvWrite<'kv.put'>> {
    const { args, flags } = await this.parse(KvPut);
    const engine = await this.engine({ requestId: flags['request-id'] });
    this.refuseOnEtcd(engine, { '--request-id': flags['request-id'] !== undefined });
    const r = await engine.kvPut(args.key, args.value, { ns: flags.ns });
    return this.wrote(r, `put ${args.key} (revision ${r.revision})`);
  }
}
