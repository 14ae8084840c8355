/**
 * Scheduled backups (`fleet node start --backup-dir DIR --backup-every 1h --backup-keep 24`):
 * every period, the member confirms the cluster's commit index (a linearizable read, so a member
 * cut off from its leader takes no stale backup), snapshots everything up to it, and writes the
 * snapshot as a verified backup (backups.ts); then it prunes to the newest `keep`.
 *
 * A failure (no leader, a full or read-only backup disk, a backup that does not verify) is
 * logged, counted, and shown in status and /metrics; the backups already there are untouched,
 * and the next period tries again.
 */
import type { BackupStatus } from '../../node/api.js';
import type { NodeApi } from '../../node/member-api.js';
import type { NodeLogger } from '../../node/fleet-node.js';
import { listBackups, pruneBackups, writeBackup } from './backups.js';

/** Where, how often, and how many. */
export interface BackupPolicy {
  readonly dir: string;
  readonly everyMs: number;
  readonly keep: number;
}

/** The outcome of one backup. */
export type BackupOutcome = { readonly ok: true; readonly name: string; readonly index: number; readonly bytes: number; readonly stateHash: string; readonly pruned: readonly string[] } | { readonly ok: false; readonly message: string };

export class BackupSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BackupOutcome> | undefined;
  private stopped = false;
  private taken = 0;
  private failures = 0;
  private lastOk: BackupStatus['lastOk'];
  private lastError: BackupStatus['lastError'];

  constructor(
    private readonly node: Pick<NodeApi, 'read' | 'takeSnapshot'>,
    private readonly policy: BackupPolicy,
    private readonly logger: NodeLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Learns the newest backup already there, then takes one every period. */
  async start(): Promise<void> {
    const newest = await listBackups(this.policy.dir).then((l) => l.backups[0], () => undefined);
    if (newest !== undefined) this.lastOk = { at: newest.takenAt, index: newest.index, name: newest.name, bytes: newest.bytes };
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  status(): BackupStatus {
    const { dir, everyMs, keep } = this.policy;
    return { dir, everyMs, keep, taken: this.taken, failures: this.failures, ...(this.lastOk ? { lastOk: this.lastOk } : {}), ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** Takes a backup now (one at a time: a call while one runs gets that one's outcome). */
  backupNow(): Promise<BackupOutcome> {
    this.running ??= this.backup().finally(() => (this.running = undefined));
    return this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.backupNow().finally(() => this.arm()), this.policy.everyMs);
    this.timer.unref();
  }

  private async backup(): Promise<BackupOutcome> {
    const at = this.now();
    const started = performance.now();
    try {
      // Applied up to the commit index the leader confirms now: the backup holds every write acknowledged before it began.
      await this.node.read({ mode: 'linearizable' }, () => undefined);
      const snapshot = await this.node.takeSnapshot();
      const written = await writeBackup(this.policy.dir, snapshot.path, snapshot.index, at);
      const pruned = await pruneBackups(this.policy.dir, this.policy.keep);
      this.taken++;
      this.lastOk = { at: at.toISOString(), index: written.index, name: written.name, bytes: written.bytes };
      this.lastError = undefined;
      this.logger.info({ backup: written.path, index: written.index, bytes: written.bytes, stateHash: written.stateHash, pruned, ms: Math.round(performance.now() - started) }, 'backup written and verified');
      return { ok: true, name: written.name, index: written.index, bytes: written.bytes, stateHash: written.stateHash, pruned };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failures++;
      this.lastError = { at: at.toISOString(), message };
      this.logger.error({ err, dir: this.policy.dir }, `backup failed, the backups already in ${this.policy.dir} are kept: ${message}`);
      return { ok: false, message };
    }
  }
}
