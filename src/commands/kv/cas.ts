import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { CliError, EXIT, UsageError } from '../../common/errors.js';
import type { KvWrite } from '../../client/engine.js';

export default class KvCas extends FleetCommand {
  static override summary = 'Write a key only if its current value (or revision) is the expected one (compare-and-set).';
  static override description = `Pass --expect VALUE, --absent to require that the key does not exist, or --expect-revision N to require that the key was last changed at revision N (its modRevision in "kv get --json"; 0: the key must not exist). --expect and --expect-revision together must both match. On a mismatch nothing is written and the command exits 4, printing the current value and revision.`;
  static override examples = [
    '<%= config.bin %> kv cas config/mode new --expect old',
    '<%= config.bin %> kv cas locks/job-1 alice --absent',
    {
      description: 'Change a key only if nobody changed it since you read it at revision 42 (the modRevision of "kv get --json")',
      command: '<%= config.bin %> kv cas config/mode new --expect-revision 42',
    },
    { description: 'Create a key only if it is absent', command: '<%= config.bin %> kv cas locks/job-1 alice --expect-revision 0' },
  ];
  static override args = {
    key: Args.string({ description: 'the key', required: true }),
    value: Args.string({ description: 'the new value', required: true }),
  };
  static override flags = {
    expect: Flags.string({ description: 'the value it must have now', exclusive: ['absent'], helpValue: '<value>' }),
    absent: Flags.boolean({ description: 'the key must not exist now', default: false }),
    'expect-revision': Flags.integer({ description: 'the revision it must have been last changed at (its modRevision; 0: it must not exist)', min: 0, exclusive: ['absent'], helpValue: '<n>' }),
    ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }),
    'request-id': requestIdFlag(),
  };

  async run(): Promise<KvWrite<'kv.cas'>> {
    const { args, flags } = await this.parse(KvCas);
    const revision = flags['expect-revision'];
    if (flags.expect === undefined && !flags.absent && revision === undefined) throw new UsageError('pass --expect VALUE, --absent or --expect-revision N');
    const engine = await this.engine({ requestId: flags['request-id'] });
    this.refuseOnEtcd(engine, { '--request-id': flags['request-id'] !== undefined });
    const expected = flags.absent ? null : flags.expect;
    const r = await engine.kvCas(args.key, expected, args.value, { ns: flags.ns, ...(revision === undefined ? {} : { expectRevision: revision }) }).catch((err: unknown) => {
      throw casConflict(err, args.key) ?? err;
    });
    return this.wrote(r, `set ${args.key} (revision ${r.revision})`);
  }
}

/** A CAS_FAILED refusal restated with the key's current value and revision, so the operator sees what to expect next time. */
function casConflict(err: unknown, key: string): CliError | undefined {
  const e = err as { code?: unknown; details?: { currentValue?: string | null; currentRevision?: number | null; alreadyApplied?: true } };
  if (e.code !== 'CAS_FAILED' || e.details === undefined) return undefined;
  const now = e.details.currentValue === null || e.details.currentValue === undefined ? 'is absent' : `is ${JSON.stringify(e.details.currentValue)} (revision ${e.details.currentRevision ?? '?'})`;
  const retry = e.details.alreadyApplied ? ' (the first answer to this request id)' : '';
  return new CliError(`compare-and-set failed: ${key} ${now}${retry}`, { exitCode: EXIT.precondition, code: 'CAS_FAILED', details: e.details, cause: err });
}
