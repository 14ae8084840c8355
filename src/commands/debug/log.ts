import { Args, Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { DebugLogResult } from '../../ops/debug-log.js';

const ENTRY_TYPES = ['normal', 'conf-change', 'noop'] as const;

export default class DebugLog extends FleetCommand {
  static override summary = 'Print a member\'s write-ahead log: entries with their decoded commands, or every record with offsets and checksums.';
  static override description = `Offline and read-only (like etcd-dump-logs): reads the WAL segment files of a member's data dir without taking its lock, so it works on a stopped member and on a running one (whose newest record may show as half-written).

Damage does not stop it: a record whose checksum fails is reported with its file and byte offset, and reading resumes at the next record that checks out. With --raw every record is shown (segment headers, hard states, sync marks) with its offset, length and CRC-32. Exit 0 even when damage is found (it is in the output, and in --json as "damage"); exit 1 if the directory holds no log.`;
  static override examples = [
    '<%= config.bin %> debug log ~/.local/share/fleet/clusters/local/n1',
    '<%= config.bin %> debug log ./n2 --from 1200 --to 1300',
    '<%= config.bin %> debug log ./n2 --type conf-change',
    '<%= config.bin %> debug log ./n2 --raw --json',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { dir: Args.string({ description: "a member's data dir (or its raft/ or raft/wal/ directory)", required: true }) };
  static override flags = {
    from: Flags.integer({ description: 'first entry index to show', min: 1, helpValue: '<index>' }),
    to: Flags.integer({ description: 'last entry index to show', min: 1, helpValue: '<index>' }),
    type: Flags.string({ description: 'only entries of this type (repeatable)', options: [...ENTRY_TYPES], multiple: true }),
    raw: Flags.boolean({ description: 'every record with file, offset, length and checksum (not only entries)', default: false }),
  };

  async run(): Promise<DebugLogResult> {
    const { args, flags } = await this.parse(DebugLog);
    if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) {
      throw new CliError(`--from ${flags.from} is after --to ${flags.to}`, { exitCode: EXIT.usage, code: 'USAGE' });
    }
    const { readDebugLog } = await import('../../ops/debug-log.js');
    const result = await readDebugLog(args.dir, {
      raw: flags.raw,
      ...(flags.from === undefined ? {} : { from: flags.from }),
      ...(flags.to === undefined ? {} : { to: flags.to }),
      ...(flags.type ? { types: flags.type as (typeof ENTRY_TYPES)[number][] } : {}),
    }).catch((err: Error) => {
      throw new CliError(err.message, { cause: err, code: 'NO_LOG' });
    });
    if (!this.jsonEnabled()) {
      const [{ renderDebugLog }, { stdoutPalette }] = await Promise.all([import('../../ui/debug-log.js'), import('../../ui/colors.js')]);
      this.log(renderDebugLog(result, flags.raw, stdoutPalette()));
    }
    return result;
  }
}
