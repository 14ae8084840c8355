import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT, UsageError } from '../../common/errors.js';
import type { Written } from '../../client/index.js';

export default class KvCas extends FleetCommand {
  static override summary = 'Write a key only if its current value is the expected one (compare-and-set).';
  static override description = 'Pass --expect VALUE, or --absent to require that the key does not exist. On a mismatch nothing is written and the command exits 4, printing the current value.';
  static override examples = ['<%= config.bin %> kv cas config/mode new --expect old', '<%= config.bin %> kv cas locks/job-1 alice --absent'];
  static override args = {
    key: Args.string({ description: 'the key', required: true }),
    value: Args.string({ description: 'the new value', required: true }),
  };
  static override flags = {
    expect: Flags.string({ description: 'the value it must have now', exclusive: ['absent'], helpValue: '<value>' }),
    absent: Flags.boolean({ description: 'the key must not exist now', default: false }),
    ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }),
  };

  async run(): Promise<Written<'kv.cas'>> {
    const { args, flags } = await this.parse(KvCas);
    if (flags.expect === undefined && !flags.absent) throw new UsageError('pass --expect VALUE or --absent');
    if (await this.isEtcd()) {
      const { etcdKvCas } = await import('../../ops/etcd/kv.js');
      const r = await etcdKvCas(await this.etcdClient(), args.key, flags.absent ? null : flags.expect!, args.value, flags.ns);
      this.log(`set ${args.key} (revision ${r.revision})`);
      return r as unknown as Written<'kv.cas'>;
    }
    const client = await this.client();
    const r = await client.kvCas(args.key, flags.absent ? null : flags.expect!, args.value, { ns: flags.ns }).catch((err: unknown) => {
      throw casConflict(err, args.key) ?? err;
    });
    this.log(`set ${args.key} (revision ${r.revision})`);
    return r;
  }
}

/** A CAS_FAILED refusal restated with the key's current value, so the operator sees what to expect next time. */
function casConflict(err: unknown, key: string): CliError | undefined {
  const e = err as { code?: unknown; details?: { currentValue?: string | null; currentRevision?: number | null } };
  if (e.code !== 'CAS_FAILED' || e.details === undefined) return undefined;
  const now = e.details.currentValue === null || e.details.currentValue === undefined ? 'is absent' : `is ${JSON.stringify(e.details.currentValue)} (revision ${e.details.currentRevision ?? '?'})`;
  return new CliError(`compare-and-set failed: ${key} ${now}`, { exitCode: EXIT.precondition, code: 'CAS_FAILED', details: e.details, cause: err });
}
