import { Args } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';
import type { BackupFile } from '../../core/server/admin/backups.js';

export default class BackupList extends FleetCommand {
  static override summary = 'List the backups in a backup directory, newest first.';
  static override description = 'Offline: reads the directory only. Unfinished work a cut-off backup left (.part copies, scratch members) is named below the table; fleet backup prune removes it. --json prints {"backups": [{name, path, takenAt, index, bytes}], "partial": [names]}.';
  static override examples = ['<%= config.bin %> backup list /backups/fleet', '<%= config.bin %> backup list /backups/fleet --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { dir: Args.string({ description: 'the backup directory', required: true }) };

  async run(): Promise<{ backups: BackupFile[]; partial: string[] }> {
    const { args } = await this.parse(BackupList);
    const { listBackups } = await import('../../core/server/admin/backups.js');
    const listed = await listBackups(resolve(args.dir)).catch((err: Error) => {
      throw new CliError(err.message, { cause: err });
    });
    if (!this.jsonEnabled()) {
      const [{ renderBackups }, { stdoutPalette }] = await Promise.all([import('../../ui/backup-tables.js'), import('../../ui/colors.js')]);
      this.log(renderBackups(listed, stdoutPalette()));
    }
    return listed;
  }
}
