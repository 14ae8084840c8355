import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { Written } from '../../client/index.js';

export default class KvDel extends FleetCommand {
  static override summary = 'Delete a key.';
  static override description = 'Deleting a missing key succeeds and says so (`deleted: false` with --json).';
  static override examples = ['<%= config.bin %> kv del config/feature-x'];
  static override aliases = ['kv:delete', 'kv:rm'];
  static override args = { key: Args.string({ description: 'the key', required: true }) };
  static override flags = { ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }), };

  async run(): Promise<Written<'kv.delete'>> {
    const { args, flags } = await this.parse(KvDel);
    const client = await this.client();
    const r = await client.kvDelete(args.key, { ns: flags.ns });
    this.log(r.deleted ? `deleted ${args.key} (revision ${r.revision})` : `${args.key} did not exist`);
    return r;
  }
}
