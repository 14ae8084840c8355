import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';
import type { KvEntry } from '../../client/index.js';

export default class KvGet extends FleetCommand {
  static override summary = 'Print a key\'s value (linearizable read).';
  static override description = 'Prints the value alone, so it can be captured by a script; --json adds its revisions. A missing key is an error (exit 1).';
  static override examples = ['<%= config.bin %> kv get config/feature-x', '<%= config.bin %> kv get leader --ns app1 --json'];
  static override args = { key: Args.string({ description: 'the key', required: true }) };
  static override flags = { ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }), };

  async run(): Promise<KvEntry> {
    const { args, flags } = await this.parse(KvGet);
    if (await this.isEtcd()) {
      const { etcdKvGet } = await import('../../ops/etcd/kv.js');
      const e = await etcdKvGet(await this.etcdClient(), args.key, flags.ns);
      if (e === undefined) throw new CliError(`no key ${JSON.stringify(args.key)}`, { code: 'NOT_FOUND' });
      this.log(e.value);
      return e as unknown as KvEntry;
    }
    const client = await this.client();
    const entry = await client.kvGet(args.key, { ns: flags.ns });
    if (entry === undefined) throw new CliError(`no key ${JSON.stringify(args.key)}${flags.ns ? ` in namespace ${flags.ns}` : ''}`, { code: 'NOT_FOUND' });
    this.log(entry.value);
    return entry;
  }
}
