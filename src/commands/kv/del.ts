import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { UsageError } from '../../common/errors.js';
import { dryRunFlag, yesFlag } from '../../cli/safety-gate.js';
import type { KvWrite } from '../../client/engine.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

/** `fleet kv del --prefix --json`: what a delete by prefix did. */
export interface KvDeletePrefixResult {
  readonly prefix: string;
  readonly ns: string;
  /** Keys deleted, and keys that were gone by the time their delete ran. */
  readonly deleted: number;
  readonly missing: number;
  readonly revision: number;
  /** The highest Raft index the deletes committed at (0: there was nothing to delete). */
  readonly index: number;
}

export default class KvDel extends FleetCommand {
  static override summary = 'Delete a key, or every key under a prefix.';
  static override description = `Deleting a missing key succeeds and says so (\`deleted: false\` with --json).

With --prefix, every key under it is deleted, one write per key (not atomic as a whole: an interrupted run leaves the rest, and running it again finishes). It first counts the keys and names the first few; on a terminal it asks, elsewhere it needs --yes (exit 2 without it). --dry-run prints what it would delete and changes nothing.`;
  static override examples = [
    '<%= config.bin %> kv del config/feature-x',
    '<%= config.bin %> kv del --prefix config/ --dry-run',
    '<%= config.bin %> kv del --prefix tmp/ --ns jobs --yes --json',
  ];
  static override aliases = ['kv:delete', 'kv:rm'];
  static override args = { key: Args.string({ description: 'the key (or none, with --prefix)', required: false }) };
  static override flags = {
    'request-id': requestIdFlag(),
    ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }),
    prefix: Flags.string({ description: 'delete every key that starts with this (an empty prefix is every key of the namespace)', helpValue: '<prefix>' }),
    yes: yesFlag,
    'dry-run': dryRunFlag,
  };

  async run(): Promise<KvWrite<'kv.delete'> | KvDeletePrefixResult | PreviewDocument> {
    const { args, flags } = await this.parse(KvDel);
    if ((args.key === undefined) === (flags.prefix === undefined)) throw new UsageError('give either a KEY or --prefix PREFIX', this.helpHint());
    // One request id names one write; --prefix makes one per key.
    if (flags.prefix !== undefined && flags['request-id'] !== undefined) throw new UsageError('--request-id goes with a single KEY, not --prefix', this.helpHint());
    const engine = await this.engine({ requestId: flags['request-id'] });
    this.refuseOnEtcd(engine, { '--request-id': flags['request-id'] !== undefined });
    this.refuseOnEtcd(engine, { '--prefix': flags.prefix !== undefined }, 'kv del --prefix does not apply to an etcd cluster yet: delete keys one by one');
    if (flags.prefix === undefined) {
      if (flags.yes || flags['dry-run']) throw new UsageError('--yes and --dry-run go with --prefix', this.helpHint());
      const r = await engine.kvDelete(args.key!, { ns: flags.ns });
      return this.wrote(r, r.deleted ? `deleted ${args.key} (revision ${r.revision})` : `${args.key} did not exist`);
    }
    return this.deletePrefix(flags.prefix, flags);
  }

  /** Every key under `prefix`, one write each, behind the safety gate and a confirmation (fleet only: etcd is refused above). */
  async deletePrefix(prefix: string, flags: { ns: string; yes: boolean; 'dry-run': boolean }): Promise<KvDeletePrefixResult | PreviewDocument> {
    const client = await this.client();
    const [{ previewChange }, { keysUnder, impactOf, deleteKeys }, { passGate, confirmBulk }] = await Promise.all([
      import('../../ops/safety/gate.js'),
      import('../../ops/safety/records.js'),
      import('../../cli/safety-gate.js'),
    ]);
    const [model, keys] = await Promise.all([this.statusModel(client), keysUnder(client, prefix, flags.ns)]);
    const where = `under ${JSON.stringify(prefix)}${flags.ns === '' ? '' : ` in namespace ${flags.ns}`}`;
    const summary = `delete ${keys.length} kv keys ${where}`;
    const preview = previewChange(model, { kind: 'write', summary, records: impactOf('remove', 'kv keys', keys.length, keys) });
    const dry = await passGate(this, preview, { force: false, dryRun: flags['dry-run'] });
    if (dry) return dry;
    await confirmBulk(this, preview, summary, { yes: flags.yes });
    const r = await this.withProgress((progress, signal) => deleteKeys(client, keys, flags.ns, { signal, onProgress: (done) => progress.update(`deleted ${done} of ${keys.length} keys`) }));
    this.log(`deleted ${r.deleted} keys ${where}${r.missing > 0 ? ` (${r.missing} were already gone)` : ''}`);
    return { prefix, ns: flags.ns, ...r };
  }
}
