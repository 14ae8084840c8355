/**
 * The storage model (`--storage model`) and the durable log the checkers read (SimDisk, for
 * either storage: see real-storage.ts for the real one).
 *
 * A member's disk in memory, behind the production NodeStorage port, with the faults a seed
 * draws. Writes land in a page cache at once; an fsync (one for everything written before it
 * started: group commit, as RaftStorage does) makes them durable in order, after a drawn
 * latency — now and then a slow one, now and then one that fails with EIO. A crash keeps what
 * was fsynced; of what was not, nothing survives unless the plan lets a prefix of it survive,
 * possibly ending in a torn record (a prefix of a batch's entries), as a real log's tail does.
 *
 * The durable part is what the checkers read (LogView): what a member acknowledged must be there.
 */
import type { NodeStorage, RecoveredState, SnapshotSink } from '../../../src/core/node/storage-port.js';
import type { Entry, HardState, SnapshotMeta } from '../../../src/core/raft/types.js';
import type { LogView, SafetyChecker } from '../checkers.js';
import { hashBytes } from '../digest.js';
import type { Prng } from '../prng.js';
import { SafetyViolation } from '../violation.js';
import type { Incarnation, Scheduler } from './scheduler.js';

/** The disk faults of a run, drawn from its seed; all zero without `--disk-faults`. */
export interface DiskPlan {
  /** Normal fsync latency range, in microseconds. */
  readonly fsyncUs: readonly [number, number];
  /** Probability that an fsync takes `slowFsyncUs` instead. */
  readonly slowFsync: number;
  readonly slowFsyncUs: readonly [number, number];
  /** Probability that an fsync fails with EIO. */
  readonly eio: number;
  /** Probability that a crash keeps a (random) prefix of the unsynced writes rather than none. */
  readonly keepUnsynced: number;
  /** Probability that the first unsynced record not kept is torn: a prefix of its entries survives. */
  readonly torn: number;
}

/** What the disks of a run did: the disk faults actually injected. */
export interface DiskStats {
  fsyncs: number;
  slowFsyncs: number;
  eio: number;
  /** Fsyncs of a snapshot file that failed with EIO (the snapshot is abandoned; the log is untouched). */
  snapshotEio: number;
  /** Unsynced records lost by crashes (or by a failed fsync). */
  unsyncedLost: number;
  /** Unsynced records that survived a crash anyway. */
  unsyncedKept: number;
  tornRecords: number;
  /** Restarts that found fsynced log entries damaged (latent corruption): the member repairs from its peers. */
  latentDamage: number;
  /** Starts that found the hard state's copy (HARDSTATE) damaged: alone, or with the WAL (then the vote is lost). */
  hardStateCopyDamage: number;
  /** Repairs the members finished (the node called markRepaired). */
  repairs: number;
  /** Writes a full disk refused with ENOSPC. */
  enospc: number;
}

/** Creates zeroed disk statistics. */
export function emptyDiskStats(): DiskStats {
  return { fsyncs: 0, slowFsyncs: 0, eio: 0, snapshotEio: 0, unsyncedLost: 0, unsyncedKept: 0, tornRecords: 0, latentDamage: 0, hardStateCopyDamage: 0, repairs: 0, enospc: 0 };
}

/** One write as the page cache holds it. */
type DiskRecord =
  | { readonly kind: 'batch'; readonly hardState?: HardState; readonly entries: readonly Entry[] }
  | { readonly kind: 'install'; readonly meta: SnapshotMeta; readonly data: Uint8Array }
  | { readonly kind: 'compact'; readonly meta: SnapshotMeta; readonly data: Uint8Array };

interface Pending {
  readonly record: DiskRecord;
  /** Settled when the record is durable (or its fsync failed); absent for writes that asked for no sync. */
  readonly waiter?: { resolve: () => void; reject: (err: Error) => void };
}

/** An Error shaped like Node's EIO from fsync. */
function eioError(member: string): Error {
  return Object.assign(new Error(`EIO: i/o error, fsync (simulated disk of ${member})`), { code: 'EIO', errno: -5, syscall: 'fsync' });
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

function copyMeta(meta: SnapshotMeta): SnapshotMeta {
  return { index: meta.index, term: meta.term, conf: { voters: [...meta.conf.voters], learners: [...meta.conf.learners] } };
}

/**
 * What survives of one member across crashes. Invariant: `log` holds exactly the indices
 * snapshotIndex+1 … lastIndex, densely; every change reaches the checker as it becomes durable.
 */
export class SimDisk implements LogView {
  hardState: HardState | undefined;
  snapshot: { readonly meta: SnapshotMeta; readonly data: Uint8Array } | undefined;
  private log: Entry[] = [];
  members = new Map<string, string>();
  /** Set from the moment damage is found until the node says its repair is done (the storage's REPAIRING). */
  repair: { readonly file: string; readonly offset: number; readonly reason: string; readonly since: string } | undefined;
  /** Per term of the durable hard state, the highest last index the disk held. */
  private readonly lastIndexInTerm = new Map<number, number>();

  constructor(
    readonly id: string,
    private readonly checker: SafetyChecker,
  ) {}

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  get snapshotTerm(): number {
    return this.snapshot?.meta.term ?? 0;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.log.length;
  }

  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    return this.entryAt(index)?.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.log[index - this.snapshotIndex - 1];
  }

  /** What a new incarnation recovers: everything durable. */
  recovered(): RecoveredState {
    const snapshot = this.snapshot;
    return {
      ...(this.hardState ? { hardState: { ...this.hardState } } : {}),
      entries: this.log.map(copyEntry),
      ...(snapshot ? { snapshot: { meta: copyMeta(snapshot.meta), data: () => Promise.resolve(snapshot.data.slice()) } } : {}),
      members: new Map(this.members),
      ...(this.repair ? { repair: { ...this.repair } } : {}),
    };
  }

  /**
   * Latent corruption found at start-up: the fsynced entry at `index` fails its checksum. As
   * RaftStorage does with `onDamage: 'repair'`, the log is cut before it (what follows is set
   * aside) and the member is marked repairing. The checker is not told of the removal: losing
   * a minority's copy is the fault under test, and what the cluster does next is what it checks.
   */
  damage(index: number): void {
    const lost = this.log.length - (index - this.snapshotIndex - 1);
    this.log.length = index - this.snapshotIndex - 1;
    if (this.hardState !== undefined && this.hardState.commit > this.lastIndex) this.hardState = { ...this.hardState, commit: this.lastIndex };
    this.repair ??= { file: `sim://${this.id}/wal`, offset: index, reason: `checksum mismatch in entry ${index} (${lost} entries set aside)`, since: 'sim' };
  }

  /** Makes one record durable, in order, and tells the checker. */
  apply(record: DiskRecord): void {
    if (record.kind === 'batch') this.applyBatch(record.entries, record.hardState);
    else if (record.kind === 'install') this.applyInstall(record.meta, record.data);
    else this.applyCompact(record.meta, record.data);
    const term = this.hardState?.term ?? 0;
    this.lastIndexInTerm.set(term, Math.max(this.lastIndexInTerm.get(term) ?? 0, this.lastIndex));
  }

  /**
   * What the real storage (RaftStorage over SimFs) recovered at a start replaces what its
   * member was acknowledged to hold. Entries that differ from, or go beyond, the acknowledged
   * ones reach the checker as appended (so a recovered entry nobody wrote fails log matching);
   * acknowledged ones that are gone reach it as removed — unless the storage is repairing:
   * losing a minority's damaged copy is the fault under test. An acknowledged term or vote that
   * did not survive is a durability violation outright, unless both of its copies were damaged
   * (`voteLost`: then the Raft core must not vote until it learned a safe term, and the checkers
   * see whether it did).
   */
  adopt(
    state: { readonly hardState: HardState; readonly snapshot?: { readonly meta: SnapshotMeta; readonly data: Uint8Array }; readonly entries: readonly Entry[] },
    repairing: boolean,
    voteLost: boolean,
  ): void {
    const before = this.hardState;
    if (!voteLost && before !== undefined && (state.hardState.term < before.term || (state.hardState.term === before.term && before.vote !== '' && state.hardState.vote !== before.vote))) {
      throw new SafetyViolation('ack-before-durable', `${this.id}: acknowledged term ${before.term} vote '${before.vote}', but its disk recovered term ${state.hardState.term} vote '${state.hardState.vote}'`);
    }
    const old = { snapshotIndex: this.snapshotIndex, lastIndex: this.lastIndex, entryAt: (i: number) => this.entryAt(i) };
    const newer = state.snapshot !== undefined && state.snapshot.meta.index > this.snapshotIndex;
    if (state.snapshot !== undefined && state.snapshot.meta.index !== this.snapshotIndex) this.snapshot = { meta: copyMeta(state.snapshot.meta), data: state.snapshot.data.slice() };
    const snapIndex = this.snapshotIndex;
    let first = state.entries.findIndex((e) => {
      const known = old.entryAt(e.index);
      return known === undefined || known.term !== e.term || hashBytes(known.data) !== hashBytes(e.data);
    });
    if (first < 0) first = state.entries.length;
    const cut = state.entries[first]?.index ?? snapIndex + state.entries.length + 1;
    const removed: Entry[] = [];
    for (let i = Math.max(cut, snapIndex + 1); i <= old.lastIndex; i++) {
      const e = old.entryAt(i);
      if (e !== undefined) removed.push(e);
    }
    this.log = state.entries.map(copyEntry);
    this.hardState = { ...state.hardState };
    if (newer && state.snapshot !== undefined) this.checker.onSnapshotTaken(this.id, state.snapshot.meta.index, hashBytes(state.snapshot.data));
    this.checker.onAppend(this.id, state.entries.slice(first), repairing ? [] : removed);
    const term = this.hardState.term;
    this.lastIndexInTerm.set(term, Math.max(this.lastIndexInTerm.get(term) ?? 0, this.lastIndex));
  }

  /** The highest last index this disk ever held while its durable term was at most `term`. */
  durableLastIndex(term: number): number {
    let max = 0;
    for (const [t, index] of this.lastIndexInTerm) if (t <= term && index > max) max = index;
    return max;
  }


  private applyBatch(entries: readonly Entry[], hs: HardState | undefined): void {
    const first = entries[0];
    if (first !== undefined) {
      if (first.index <= this.snapshotIndex || first.index > this.lastIndex + 1) {
        throw new SafetyViolation('ready-contract', `${this.id}: persisted entries start at ${first.index} but the disk holds (${this.snapshotIndex}, ${this.lastIndex}]`);
      }
      const removed = this.log.splice(first.index - this.snapshotIndex - 1);
      for (const e of entries) this.log.push(copyEntry(e));
      this.checker.onAppend(this.id, entries, removed);
    }
    if (hs !== undefined) {
      if (this.hardState !== undefined && hs.term < this.hardState.term) {
        throw new SafetyViolation('ready-contract', `${this.id}: the persisted term went from ${this.hardState.term} to ${hs.term}`);
      }
      this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
      this.checker.onCommit(this.id, hs.commit, hs.term);
    }
  }

  private applyInstall(meta: SnapshotMeta, data: Uint8Array): void {
    const removed = this.log;
    this.log = [];
    this.snapshot = { meta: copyMeta(meta), data: data.slice() };
    this.checker.onSnapshotInstalled(this.id, meta, removed);
  }

  private applyCompact(meta: SnapshotMeta, data: Uint8Array): void {
    if (meta.index <= this.snapshotIndex) return;
    // The image covers the log up to its index; what follows stays if it continues from there.
    const keep = this.termAt(meta.index) === meta.term ? this.log.slice(meta.index - this.snapshotIndex) : [];
    this.log = keep;
    this.snapshot = { meta: copyMeta(meta), data: data.slice() };
    this.checker.onSnapshotTaken(this.id, meta.index, hashBytes(data));
  }
}

/** Settings of one incarnation's storage. */
export interface SimStorageOptions {
  /** The process this storage belongs to: its disk's completions are events of that process. */
  readonly owner: Incarnation;
  readonly plan: DiskPlan;
  readonly prng: Prng;
  readonly stats: DiskStats;
  /** Deliberately broken storage: a sync write resolves when written, before its fsync (the test of the checkers). */
  readonly unsafeAckBeforeFsync?: boolean;
  /** Called when an fsync fails: the harness then checks that the member stopped at once. */
  readonly onEio?: () => void;
}

/**
 * One incarnation's view of its disk, as the NodeStorage port. A crash abandons it: its pending
 * promises never settle (the process is gone), and `crash()` decides what of its page cache survives.
 */
export class SimStorage implements NodeStorage {
  readonly recovered: RecoveredState;
  private cache: Pending[] = [];
  private fsyncing = false;
  private failed: Error | undefined;
  private dead = false;
  private told = false;
  private eio: number;

  constructor(
    private readonly disk: SimDisk,
    private readonly scheduler: Scheduler,
    private readonly options: SimStorageOptions,
  ) {
    this.recovered = disk.recovered();
    this.eio = options.plan.eio;
  }

  /** Writes in the page cache, not yet durable. */
  get pendingWrites(): number {
    return this.cache.length;
  }

  /** From now on no fsync fails (the fault phase is over). */
  stopFailing(): void {
    this.eio = 0;
  }

  /** Whether this incarnation was told that its disk failed (a write of it was rejected with EIO). */
  get toldFailure(): boolean {
    return this.told;
  }

  persist(batch: { readonly hardState?: HardState; readonly entries: readonly Entry[] }, sync: boolean): Promise<void> {
    const record: DiskRecord = { kind: 'batch', ...(batch.hardState ? { hardState: { ...batch.hardState } } : {}), entries: batch.entries.map(copyEntry) };
    return this.write(record, sync);
  }

  installSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    return this.write({ kind: 'install', meta: copyMeta(meta), data: data.slice() }, true);
  }

  beginSnapshot(meta: SnapshotMeta): SnapshotSink {
    let image = new Uint8Array(0);
    let committed = false;
    return {
      write: (bytes, offset) => {
        if (this.failed) throw this.failed;
        if (offset + bytes.length > image.length) {
          const grown = new Uint8Array(Math.max(offset + bytes.length, image.length * 2));
          grown.set(image);
          image = grown;
        }
        image.set(bytes, offset);
      },
      settle: () => this.delay(),
      commit: async (length) => {
        committed = true;
        await this.writeSnapshotFile({ kind: 'compact', meta: copyMeta(meta), data: image.slice(0, length) });
        return `sim://${this.disk.id}/snapshot-${meta.index}-${meta.term}`;
      },
      abort: () => {
        if (!committed) image = new Uint8Array(0);
      },
    };
  }

  async latestSnapshot(): Promise<{ index: number; term: number; path: string; bytes: number } | undefined> {
    const s = this.disk.snapshot;
    return s ? { index: s.meta.index, term: s.meta.term, path: `sim://${this.disk.id}/snapshot-${s.meta.index}-${s.meta.term}`, bytes: s.data.length } : undefined;
  }

  async readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined> {
    const s = this.disk.snapshot;
    return s ? { meta: copyMeta(s.meta), data: s.data.slice() } : undefined;
  }

  async saveMembers(members: ReadonlyMap<string, string>): Promise<void> {
    this.disk.members = new Map(members);
  }

  markRepaired(): void {
    if (this.disk.repair !== undefined) this.options.stats.repairs++;
    this.disk.repair = undefined;
  }

  async close(): Promise<void> {}

  /** A short wait on the simulated disk (between snapshot pieces). */
  private delay(): Promise<void> {
    return new Promise((resolve) => this.scheduler.after(10, resolve, this.options.owner));
  }

  private write(record: DiskRecord, sync: boolean): Promise<void> {
    if (this.failed) {
      this.told = true;
      return Promise.reject(this.failed);
    }
    if (!sync) {
      this.cache.push({ record });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      if (this.options.unsafeAckBeforeFsync) {
        this.cache.push({ record });
        resolve();
      } else {
        this.cache.push({ record, waiter: { resolve, reject } });
      }
      this.startFsync();
    });
  }

  /**
   * A snapshot of the member's own state goes to a file of its own: written, fsynced (with its
   * own latency and chance of EIO), renamed. An EIO there loses that file only — the log is
   * another file — so the snapshot is abandoned and the member may go on. Everything it covers
   * is durable in the log already (only committed, hence durable, entries are applied).
   */
  private writeSnapshotFile(record: DiskRecord): Promise<void> {
    if (this.failed) {
      this.told = true;
      return Promise.reject(this.failed);
    }
    const { plan, prng, stats } = this.options;
    const slow = prng.chance(plan.slowFsync);
    const [lo, hi] = slow ? plan.slowFsyncUs : plan.fsyncUs;
    const fails = prng.chance(this.eio);
    stats.fsyncs++;
    if (slow) stats.slowFsyncs++;
    return new Promise((resolve, reject) => {
      this.scheduler.after(prng.between(lo, hi), () => {
        if (fails) {
          stats.snapshotEio++;
          reject(eioError(this.disk.id));
          return;
        }
        this.disk.apply(record);
        resolve();
      }, this.options.owner);
    });
  }

  /** Starts a group commit on the next turn, unless one is under way (it starts another when done). */
  private startFsync(): void {
    if (this.fsyncing || this.dead) return;
    this.fsyncing = true;
    this.scheduler.after(0, () => this.runFsync(), this.options.owner);
  }

  private runFsync(): void {
    if (this.dead) return;
    const { plan, prng, stats } = this.options;
    const covered = this.cache.length;
    const slow = prng.chance(plan.slowFsync);
    const [lo, hi] = slow ? plan.slowFsyncUs : plan.fsyncUs;
    const fails = prng.chance(this.eio);
    stats.fsyncs++;
    if (slow) stats.slowFsyncs++;
    this.scheduler.after(prng.between(lo, hi), () => {
      if (this.dead) return;
      if (fails) this.failFsync();
      else this.completeFsync(covered);
    }, this.options.owner);
  }

  private completeFsync(covered: number): void {
    const done = this.cache.splice(0, covered);
    for (const p of done) this.disk.apply(p.record);
    this.fsyncing = false;
    for (const p of done) p.waiter?.resolve();
    if (this.cache.some((p) => p.waiter !== undefined)) this.startFsync();
  }

  /**
   * The fsync failed: the kernel may have dropped the dirty pages (fsyncgate), so nothing
   * written since the last good fsync can be trusted; every pending and later write fails.
   */
  private failFsync(): void {
    this.options.stats.eio++;
    this.failed = eioError(this.disk.id);
    this.fsyncing = false;
    const waiting = this.cache;
    this.options.onEio?.();
    for (const p of waiting) {
      if (p.waiter === undefined) continue;
      this.told = true;
      p.waiter.reject(this.failed);
    }
  }

  /**
   * The process died (or stopped after a failed fsync): the page cache goes. A prefix of it may
   * survive when the plan says so, ending perhaps in a torn batch.
   */
  crash(): void {
    if (this.dead) return;
    this.dead = true;
    const { plan, prng, stats } = this.options;
    const cache = this.cache;
    this.cache = [];
    const keep = cache.length > 0 && prng.chance(plan.keepUnsynced) ? prng.between(0, cache.length) : 0;
    for (let i = 0; i < keep; i++) this.disk.apply((cache[i] as Pending).record);
    stats.unsyncedKept += keep;
    stats.unsyncedLost += cache.length - keep;
    const next = cache[keep]?.record;
    if (next?.kind === 'batch' && next.entries.length > 1 && prng.chance(plan.torn)) {
      stats.tornRecords++;
      this.disk.apply({ kind: 'batch', entries: next.entries.slice(0, prng.between(1, next.entries.length - 1)) });
    }
  }
}
