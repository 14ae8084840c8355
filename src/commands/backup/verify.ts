import { Args } from '@oclif/core';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';

/** One backup checked. */
export interface BackupVerdict {
  readonly path: string;
  readonly ok: boolean;
  readonly index?: number;
  readonly term?: number;
  readonly stateHash?: string;
  readonly problem?: string;
}

export default class BackupVerify extends FleetCommand {
  static override summary = 'Verify backups: restore each into a scratch member and compare its state hash.';
  static override description = 'Offline. Given a file, checks that one; given a backup directory, every backup in it, newest first. Each is restored into a scratch data dir beside it (removed afterwards), opened as a member would open it, and its state hash compared with the file\'s; the registry\'s image must also decode and encode again to the same bytes. Exit 1 when any fails, naming it and why. --json prints {"backups": [{path, ok, index, term, stateHash, problem}]}.';
  static override examples = ['<%= config.bin %> backup verify /backups/fleet', '<%= config.bin %> backup verify /backups/fleet/fleet-20261125T120000000Z-i1234.snap --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { target: Args.string({ description: 'a backup file, or a backup directory', required: true }) };

  async run(): Promise<{ backups: BackupVerdict[] }> {
    const { args } = await this.parse(BackupVerify);
    const target = resolve(args.target);
    const { listBackups, verifyBackup } = await import('../../core/server/admin/backups.js');
    const info = await stat(target).catch((err: Error) => {
      throw new CliError(`cannot read ${args.target}: ${err.message}`, { cause: err });
    });
    const files = info.isDirectory() ? (await listBackups(target)).backups.map((b) => b.path) : [target];
    if (files.length === 0) throw new CliError(`${args.target} holds no backups (fleet-<time>-i<index>.snap)`);
    const verdicts: BackupVerdict[] = [];
    for (const file of files) {
      const verdict = await verifyBackup(file, dirname(file)).then(
        (v): BackupVerdict => ({ path: file, ok: true, index: v.index, term: v.term, stateHash: v.stateHash }),
        (err: Error): BackupVerdict => ({ path: file, ok: false, problem: err.message }),
      );
      verdicts.push(verdict);
      if (!this.jsonEnabled()) this.log(verdict.ok ? `ok      ${file}: index ${verdict.index} (term ${verdict.term}), state ${verdict.stateHash!.slice(0, 12)}` : `FAILED  ${verdict.problem}`);
    }
    const failed = verdicts.filter((v) => !v.ok).length;
    if (failed > 0) throw new CliError(`${failed} of ${verdicts.length} backup(s) failed verification`, { code: 'BACKUP_FAILED', details: { backups: verdicts } });
    return { backups: verdicts };
  }
}
