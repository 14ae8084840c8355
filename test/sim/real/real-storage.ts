/**
 * A member's storage in the simulator as production has it: the real RaftStorage (WAL writer,
 * recovery, repair, snapshots, reaper, preallocator, LOCK) over the member's SimFs, presented
 * as the node's storage port as src/core/server/storage-adapter.ts presents it.
 *
 * The checkers read the member's SimDisk (a LogView). It follows what the storage acknowledged
 * (each batch, install and snapshot as its promise resolves), and at each start it is replaced
 * by what the production recovery code read back from the simulated platter (SimDisk.adopt):
 * an acknowledged write that did not survive, or a recovered entry nobody wrote, is then caught.
 */
import type { NodeStorage, RecoveredState, SnapshotSink } from '../../../src/core/node/storage-port.js';
import type { Entry, HardState, SnapshotMeta } from '../../../src/core/raft/types.js';
import { RaftStorage, StorageFailedError, type StorageLogger } from '../../../src/core/storage/index.js';
import type { Prng } from '../prng.js';
import type { Incarnation, Scheduler, SimRuntime } from './scheduler.js';
import type { SimDisk } from './sim-disk.js';
import type { SimFs } from './sim-fs.js';

/** Where a member's storage lives on its SimFs. */
export const SIM_STORAGE_DIR = '/data/raft';

/** Small segments, so that rolls, preallocation and compaction happen within a run. */
const SIM_SEGMENT_BYTES = 64 * 1024;

export interface RealStorageOptions {
  readonly owner: Incarnation;
  readonly scheduler: Scheduler;
  readonly runtime: SimRuntime;
  /** Draws of this process's disk (latencies, EIO). */
  readonly prng: Prng;
  readonly fs: SimFs;
  readonly disk: SimDisk;
  readonly logger: StorageLogger;
  /** Deliberately broken: a sync write is acknowledged when submitted, before its fsync. */
  readonly unsafeAckBeforeFsync?: boolean;
  /** Deliberately broken: recovery accepts WAL records without checking their checksums. */
  readonly unsafeSkipChecksums?: boolean;
  /** Deliberately broken: recovery cuts fsynced damage at the log's tail as a torn write, starting no repair. */
  readonly unsafeCutDamageAsTornTail?: boolean;
  /** Deliberately broken: recovery trusts the WAL's hard state alone, ignoring its copy. */
  readonly unsafeIgnoreHardStateCopy?: boolean;
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

/** Opens the member's real storage and brings its SimDisk in line with what was recovered. */
export async function openRealStorage(o: RealStorageOptions): Promise<RealSimStorage> {
  const io = o.fs.io({ owner: o.owner, scheduler: o.scheduler, runtime: o.runtime, prng: o.prng });
  // As in production (storage-adapter.ts): the node subscribes once it starts.
  const outOfSpace = { listener: (_err: Error): void => undefined };
  const opened = await RaftStorage.open(SIM_STORAGE_DIR, {
    io,
    onDamage: 'repair',
    onOutOfSpace: (err) => outOfSpace.listener(err),
    segmentBytes: SIM_SEGMENT_BYTES,
    reaperPace: { sliceBytes: 16 * 1024, pauseMs: 1 },
    logger: o.logger,
    unsafe: {
      skipChecksums: o.unsafeSkipChecksums === true,
      cutDamageAsTornTail: o.unsafeCutDamageAsTornTail === true,
      ignoreHardStateCopy: o.unsafeIgnoreHardStateCopy === true,
    },
  });
  const repairing = opened.report.repairing;
  const snapshot = opened.snapshot && { meta: opened.snapshot.meta, data: await opened.snapshot.read() };
  // The vote is lost when this open found both copies damaged, and also when an earlier open did
  // and its repair is not over (REPAIRING says so): the node then votes only once every voter told
  // its term (fleet-node.ts, voteLost), so a term that went back with the damage is no violation.
  o.disk.adopt(
    { hardState: opened.hardState, entries: opened.entries, ...(snapshot ? { snapshot } : {}) },
    repairing !== undefined || o.disk.repair !== undefined,
    opened.report.hardStateCopy === 'lost' || repairing?.hardStateLost === true,
  );
  o.disk.repair = repairing && { file: repairing.file, offset: repairing.offset, reason: repairing.reason, since: repairing.since };
  return new RealSimStorage(opened.storage, o, outOfSpace, {
    hardState: opened.hardState,
    entries: opened.entries,
    ...(snapshot ? { snapshot: { meta: snapshot.meta, data: () => Promise.resolve(snapshot.data.slice()) } } : {}),
    members: new Map(o.disk.members),
    ...(o.disk.repair ? { repair: { ...o.disk.repair, ...(repairing?.hardStateLost === true ? { hardStateLost: true } : {}) } } : {}),
  });
}

/** One process's storage port over the real RaftStorage. */
export class RealSimStorage implements NodeStorage {
  private told = false;
  private pending = 0;

  constructor(
    private readonly storage: RaftStorage,
    private readonly o: RealStorageOptions,
    private readonly outOfSpace: { listener: (err: Error) => void },
    readonly recovered: RecoveredState,
  ) {}

  /** Writes submitted and not yet acknowledged. */
  get pendingWrites(): number {
    return this.pending;
  }

  /** Whether this process was told that its disk failed (a write of it was rejected as failed). */
  get toldFailure(): boolean {
    return this.told;
  }

  persist(batch: { readonly hardState?: HardState; readonly entries: readonly Entry[] }, sync: boolean): Promise<void> {
    const record = { kind: 'batch' as const, ...(batch.hardState ? { hardState: { ...batch.hardState } } : {}), entries: batch.entries.map(copyEntry) };
    const durable = this.track(this.storage.persist(batch, { sync })).then(() => this.o.disk.apply(record));
    if (!this.o.unsafeAckBeforeFsync || !sync) return durable;
    // The disk (what the checkers read) still gets the batch only once it is durable; the node hears of it at once.
    durable.catch(() => undefined);
    return Promise.resolve();
  }

  installSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const copy = data.slice();
    return this.track(this.storage.installSnapshot(meta, data)).then(() => this.o.disk.apply({ kind: 'install', meta, data: copy }));
  }

  beginSnapshot(meta: SnapshotMeta): SnapshotSink {
    const writer = this.storage.beginSnapshot(meta);
    let image = new Uint8Array(0);
    return {
      write: (bytes, offset) => {
        writer.write(bytes, offset);
        if (offset + bytes.length > image.length) {
          const grown = new Uint8Array(Math.max(offset + bytes.length, image.length * 2));
          grown.set(image);
          image = grown;
        }
        image.set(bytes, offset);
      },
      settle: () => writer.settle(),
      commit: async (length) => {
        const info = await writer.commit(length);
        this.o.disk.apply({ kind: 'compact', meta, data: image.slice(0, length) });
        return info.path;
      },
      abort: () => writer.abort(),
    };
  }

  async latestSnapshot(): Promise<{ index: number; term: number; path: string; bytes: number } | undefined> {
    const f = this.storage.latestSnapshotFile();
    return f ? { index: f.meta.index, term: f.meta.term, path: f.path, bytes: f.dataLength } : undefined;
  }

  readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined> {
    return this.storage.loadLatestSnapshot();
  }

  /** Kept beside the log in memory: the member list is not the storage engine's (storage-adapter.ts writes it to a file of its own). */
  async saveMembers(members: ReadonlyMap<string, string>): Promise<void> {
    this.o.disk.members = new Map(members);
  }

  markRepaired(): void {
    if (this.o.disk.repair !== undefined) this.o.fs.diskStats.repairs++;
    this.storage.markRepaired();
    this.o.disk.repair = undefined;
  }

  close(): Promise<void> {
    return this.storage.close();
  }

  onOutOfSpace(listener: (err: Error) => void): void {
    this.outOfSpace.listener = listener;
  }

  retryWrites(): Promise<boolean> {
    return this.storage.retryWrites();
  }

  /** Counts the write as pending until it settles, and notes a failure the process is told of. */
  private track(p: Promise<void>): Promise<void> {
    this.pending++;
    return p.then(
      () => {
        this.pending--;
      },
      (err: unknown) => {
        this.pending--;
        if (err instanceof StorageFailedError) this.told = true;
        throw err;
      },
    );
  }
}
