import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { dryRunFlag } from '../../cli/safety-gate.js';
import { CliError } from '../../common/errors.js';

export default class BackupPrune extends FleetCommand {
  static override summary = 'Keep the newest backups in a backup directory and remove the rest.';
  static override description = 'Offline. Removes every backup but the --keep newest, and unfinished work (.part copies, scratch members) older than an hour. --dry-run names what would go. --json prints {"removed": [names], "kept": [names]}.';
  static override examples = ['<%= config.bin %> backup prune /backups/fleet --keep 24', '<%= config.bin %> backup prune /backups/fleet --keep 7 --dry-run'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { dir: Args.string({ description: 'the backup directory', required: true }) };
  static override flags = {
    keep: Flags.integer({ description: 'how many newest backups to keep', required: true, min: 1 }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<{ removed: string[]; kept: string[]; dryRun: boolean }> {
    const { args, flags } = await this.parse(BackupPrune);
    const dir = resolve(args.dir);
    const { listBackups, pruneBackups } = await import('../../core/server/admin/backups.js');
    const fail = (err: Error): never => {
      throw new CliError(err.message, { cause: err });
    };
    const { backups } = await listBackups(dir).catch(fail);
    const kept = backups.slice(0, flags.keep).map((b) => b.name);
    const removed = flags['dry-run'] ? backups.slice(flags.keep).map((b) => b.name) : await pruneBackups(dir, flags.keep).catch(fail);
    this.log(`${flags['dry-run'] ? 'would remove' : 'removed'} ${removed.length}${removed.length > 0 ? `: ${removed.join(', ')}` : ''}; kept ${kept.length}`);
    return { removed, kept, dryRun: flags['dry-run'] };
  }
}
