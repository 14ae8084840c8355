import { Flags } from '@oclif/core';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';

/** What `fleet backup now` did. */
export interface BackupNowResult {
  readonly path: string;
  readonly index: number;
  readonly term: number;
  readonly bytes: number;
  readonly stateHash: string;
  /** Backups removed by --keep. */
  readonly pruned: readonly string[];
}

export default class BackupNow extends FleetCommand {
  static override summary = 'Take a verified backup of the cluster now, into a backup directory.';
  static override description = `Has the leader (or --from) snapshot everything committed, downloads it, and keeps it in DIR as fleet-<time>-i<index>.snap only once it is verified: restored into a scratch member beside it and its state hash compared. A backup that fails any step is removed and replaces nothing; with --keep, older backups are pruned only after a good one. Members can take them on a schedule themselves: fleet node start --backup-dir DIR --backup-every 1h --backup-keep 24. Restore one with fleet snapshot restore.`;
  static override examples = ['<%= config.bin %> backup now --dir /backups/fleet', '<%= config.bin %> backup now --dir /backups/fleet --keep 24 --json', '<%= config.bin %> backup now --dir ./backups --from 127.0.0.1:7782'];
  static override flags = {
    dir: Flags.string({ description: 'the backup directory (created if missing)', required: true, helpValue: '<dir>' }),
    keep: Flags.integer({ description: 'then keep only this many newest backups in --dir', min: 1 }),
    from: Flags.string({ description: 'back up from this member (host:port) instead of the leader', helpValue: '<host:port>' }),
  };

  async run(): Promise<BackupNowResult> {
    const { flags } = await this.parse(BackupNow);
    const dir = resolve(flags.dir);
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: Error) => {
      throw new CliError(`cannot use --dir ${flags.dir}: ${err.message}`, { cause: err });
    });
    const client = await this.client({ admin: true });
    const download = join(dir, `.fleet-download-${process.pid}-${Date.now()}.snap.part`);
    const { writeBackup, pruneBackups } = await import('../../core/server/admin/backups.js');
    try {
      const info = await client.downloadSnapshot(download, { fresh: true, ...(flags.from ? { endpoint: flags.from } : {}) });
      const written = await writeBackup(dir, download, info.index, new Date()).catch((err: Error) => {
        throw new CliError(`backup failed, nothing in ${dir} was replaced: ${err.message}`, { cause: err, code: 'BACKUP_FAILED' });
      });
      const pruned = flags.keep === undefined ? [] : await pruneBackups(dir, flags.keep);
      this.log(`backed up index ${written.index} (term ${written.term}), ${written.bytes} bytes, verified (state ${written.stateHash.slice(0, 12)}), to ${written.path}`);
      if (pruned.length > 0) this.log(`pruned ${pruned.length} older: ${pruned.join(', ')}`);
      return { path: written.path, index: written.index, term: written.term, bytes: written.bytes, stateHash: written.stateHash, pruned };
    } finally {
      await rm(download, { force: true });
    }
  }
}
