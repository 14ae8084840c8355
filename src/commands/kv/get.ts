import { printable } from '../../common/printable.js';
import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { KvEntry } from '../../client/index.js';
import { consistencyFlag } from '../../cli/flags.js';
import { ServedReads, type ServedFields } from '../../cli/read-consistency.js';

export default class KvGet extends FleetCommand {
  static override summary = 'Print a key\'s value (linearizable unless --consistency says otherwise).';
  static override description = 'Prints the value alone, so it can be captured by a script; --json adds its revisions, the member that served the read (servedBy) and the index it had applied (appliedIndex). A missing key exits 9 (not found; "code": "NOT_FOUND" with --json), apart from any other failure (exit 1, or 3 when the cluster cannot be reached), so a script can tell an unset key from a broken read.';
  static override examples = [
    '<%= config.bin %> kv get config/feature-x',
    '<%= config.bin %> kv get leader --ns app1 --json',
    {
      description: 'Read your own write on whichever member answers (1042: the "index" the write printed with --json)',
      command: '<%= config.bin %> kv get config/feature-x --consistency min-index:1042 --endpoints 10.0.0.2:7781',
    },
    { description: 'Tell an unset key (exit 9) from a failed read', command: '<%= config.bin %> kv get config/feature-x; [ $? -eq 9 ] && echo unset' },
  ];
  static override args = { key: Args.string({ description: 'the key', required: true }) };
  static override flags = {
    ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }),
    consistency: consistencyFlag(),
  };

  async run(): Promise<KvEntry & ServedFields> {
    const { args, flags } = await this.parse(KvGet);
    const engine = await this.engine();
    const reads = new ServedReads(flags.consistency);
    const entry = await engine.kvGet(args.key, { ns: flags.ns, ...reads.options });
    if (entry === undefined) throw new CliError(`no key ${JSON.stringify(args.key)}${flags.ns ? ` in namespace ${flags.ns}` : ''}`, { exitCode: EXIT.notFound });
    this.log(shownValue(entry.value));
    return { ...entry, ...reads.fields() };
  }
}

/** A value as printed: whole to a pipe or file (it is the command's output), escaped on a terminal. */
function shownValue(value: string): string {
  return process.stdout.isTTY ? printable(value) : value;
}
