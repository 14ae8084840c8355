/**
 * A member's file system in memory, behind the production storage port (src/core/storage/fs-port.ts),
 * so that the simulator runs the real RaftStorage on a disk that fails as the seed says.
 *
 * What is modelled, per file: the page cache (what reads see) and what is on the platter.
 * Writes and truncations land in the cache at once and are remembered, in order, until an
 * fsync/fdatasync that started after them completes (on the scheduler, after a drawn latency,
 * sometimes a slow one, sometimes failing with EIO: the writes it covered are then dropped from
 * the cache, as Linux does). A crash throws the cache away: each file keeps its synced content
 * plus, when the plan says so, a prefix of its unsynced writes, perhaps ending in a torn one
 * (a prefix of its bytes), and now and then one later write that reached the disk out of order.
 *
 * The disk can fill up (`fill`, until `free`): then a write that would grow a file fails with
 * ENOSPC and statfs reports no free blocks, while writes inside a file's size (the preallocated
 * WAL segment, zero-filled) go on, as on a real file system.
 *
 * Directory entries (create, link, rename, unlink) are durable only once their directory is
 * fsynced; a crash restores the entries each directory had at its last fsync. The simplification:
 * directories themselves (mkdir) are durable at once, and a file's size and data never make its
 * name durable (only the directory's fsync does).
 *
 * Every completion is an event of the process that asked for it (an Incarnation): a dead
 * process's fsyncs never complete, and its calls after death throw.
 */
import path from 'node:path';
import type { FileStat, OpenFlags, StorageFs, StorageIo } from '../../../src/core/storage/fs-port.js';
import type { Prng } from '../prng.js';
import type { DiskPlan, DiskStats } from './sim-disk.js';
import type { Incarnation, Scheduler, SimRuntime } from './scheduler.js';

type Op = { readonly seq: number; readonly pos: number; readonly bytes: Buffer } | { readonly seq: number; readonly size: number };

/** One file: the cache (`data`/`size`) and the platter (`durable`/`durableSize`), with the writes in between. */
class Inode {
  data: Buffer = Buffer.alloc(0);
  size = 0;
  durable: Buffer = Buffer.alloc(0);
  durableSize = 0;
  unsynced: Op[] = [];

  write(pos: number, bytes: Uint8Array, seq: number): void {
    const copy = Buffer.from(bytes);
    this.unsynced.push({ seq, pos, bytes: copy });
    [this.data, this.size] = applyOp(this.data, this.size, { seq, pos, bytes: copy });
  }

  truncate(size: number, seq: number): void {
    this.unsynced.push({ seq, size });
    [this.data, this.size] = applyOp(this.data, this.size, { seq, size });
  }

  /** The writes up to `seq` reached the platter. */
  sync(seq: number): void {
    const done = this.unsynced.filter((op) => op.seq <= seq);
    this.unsynced = this.unsynced.filter((op) => op.seq > seq);
    for (const op of done) [this.durable, this.durableSize] = applyOp(this.durable, this.durableSize, op);
  }

  /** The cache is lost: what reads see is what the platter holds plus `survivors`. */
  reset(survivors: readonly Op[]): void {
    for (const op of survivors) [this.durable, this.durableSize] = applyOp(this.durable, this.durableSize, op);
    this.unsynced = [];
    this.data = Buffer.from(this.durable.subarray(0, this.durableSize));
    this.size = this.durableSize;
  }
}

function applyOp(buf: Buffer, size: number, op: Op): [Buffer, number] {
  if (!('bytes' in op)) {
    if (op.size < size) buf.fill(0, op.size, size);
    return [ensure(buf, op.size), op.size];
  }
  const end = op.pos + op.bytes.length;
  const grown = ensure(buf, end);
  op.bytes.copy(grown, op.pos);
  return [grown, Math.max(size, end)];
}

function ensure(buf: Buffer, size: number): Buffer {
  if (size <= buf.length) return buf;
  const grown = Buffer.alloc(Math.max(size, buf.length * 2, 4096));
  buf.copy(grown);
  return grown;
}

/** An Error shaped like Node's. */
function errno(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: simulated ${syscall}${file === undefined ? '' : ` '${file}'`}`);
  err.code = code;
  err.syscall = syscall;
  if (file !== undefined) err.path = file;
  return err;
}

/** How a member's process uses its disk: whose events its completions are, and where its draws come from. */
export interface SimFsProcess {
  readonly owner: Incarnation;
  readonly scheduler: Scheduler;
  readonly runtime: SimRuntime;
  readonly prng: Prng;
  /** Called when an fsync fails with EIO (`file` is the path it was opened with). */
  readonly onEio?: (file: string) => void;
}

/** Latent damage to the platter: a flipped bit, or a zeroed 512-byte sector. */
export type Damage = { readonly kind: 'bit'; readonly offset: number; readonly bit: number } | { readonly kind: 'sector'; readonly offset: number };

/** The disk of one member; it outlives the member's processes. */
export class SimFs {
  private files = new Map<string, Inode>();
  /** Per directory, the entries it had at its last fsync (what a crash leaves). */
  private readonly durableEntries = new Map<string, Map<string, Inode>>();
  private readonly dirs = new Set<string>(['/']);
  private seq = 0;
  /** The processes of this member by the pid the LOCK file records. */
  private readonly pids = new Map<number, Incarnation>();

  constructor(
    private plan: DiskPlan,
    private readonly stats: DiskStats,
  ) {}

  /** While true, no block is free: writes that grow a file fail with ENOSPC. */
  private full = false;

  /** From now on no fsync fails and the disk has room (the fault phase is over). */
  stopFailing(): void {
    this.plan = { ...this.plan, eio: 0 };
    this.full = false;
  }

  /** The disk is full from now on, until `free`. */
  fill(): void {
    this.full = true;
  }

  free(): void {
    this.full = false;
  }

  get isFull(): boolean {
    return this.full;
  }

  /** Throws ENOSPC if writing up to `end` of `inode` needs blocks a full disk does not have. */
  checkRoom(inode: Inode, end: number, file: string): void {
    if (!this.full || end <= inode.size) return;
    this.stats.enospc++;
    throw errno('ENOSPC', 'write', file);
  }

  /** From now on every fsync fails with EIO (tests). */
  failEveryFsync(): void {
    this.plan = { ...this.plan, eio: 1 };
  }

  /** The storage port of one process of this member. */
  io(proc: SimFsProcess): StorageIo {
    const pid = 100 + this.pids.size;
    this.pids.set(pid, proc.owner);
    return { fs: new SimFsHandle(this, proc), clock: proc.runtime, process: { pid, isAlive: (p) => this.pids.get(p)?.alive === true } };
  }

  /**
   * The process died: the page cache goes. Each file keeps what was synced, and with the plan's
   * chance a prefix of its unsynced writes (the first one not kept perhaps torn), now and then
   * with one later write that reached the disk out of order.
   */
  crash(prng: Prng): void {
    const { plan, stats } = this;
    for (const inode of new Set(this.files.values())) {
      const ops = inode.unsynced;
      const keep = ops.length > 0 && prng.chance(plan.keepUnsynced) ? prng.between(0, ops.length) : 0;
      const survivors: Op[] = ops.slice(0, keep);
      const next = ops[keep];
      if (next !== undefined && 'bytes' in next && next.bytes.length > 1 && prng.chance(plan.torn)) {
        stats.tornRecords++;
        survivors.push({ seq: next.seq, pos: next.pos, bytes: next.bytes.subarray(0, prng.between(1, next.bytes.length - 1)) });
      }
      const later = ops.slice(keep + 1);
      if (later.length > 0 && prng.chance(plan.torn)) survivors.push(later[prng.int(later.length)] as Op);
      stats.unsyncedKept += keep;
      stats.unsyncedLost += ops.length - keep;
      inode.reset(survivors);
    }
    const files = new Map<string, Inode>();
    for (const [dir, entries] of this.durableEntries) {
      if (!this.dirs.has(dir)) continue;
      for (const [name, inode] of entries) files.set(path.join(dir, name), inode);
    }
    this.files = files;
  }

  /** Damages the platter (and the cache: the damage is read back) of `file`; false if there is no such byte. */
  damage(file: string, damage: Damage): boolean {
    const inode = this.files.get(file);
    if (inode === undefined || damage.offset >= inode.durableSize) return false;
    for (const buf of [inode.durable, inode.data]) {
      if (damage.kind === 'bit') buf.writeUInt8((buf.readUInt8(damage.offset) ^ (1 << damage.bit)) & 0xff, damage.offset);
      else buf.fill(0, damage.offset - (damage.offset % 512), Math.min(damage.offset - (damage.offset % 512) + 512, inode.durableSize));
    }
    return true;
  }

  /** The synced content of `file` (what a crash now would leave), or undefined. */
  durableContent(file: string): Buffer | undefined {
    const inode = this.files.get(file);
    return inode && Buffer.from(inode.durable.subarray(0, inode.durableSize));
  }

  /** Names in `dir` (files and directories), sorted. */
  list(dir: string): string[] {
    if (!this.dirs.has(dir)) throw errno('ENOENT', 'scandir', dir);
    const names = new Set<string>();
    for (const f of this.files.keys()) if (path.dirname(f) === dir) names.add(path.basename(f));
    for (const d of this.dirs) if (d !== dir && path.dirname(d) === dir) names.add(path.basename(d));
    return [...names].sort();
  }

  // ---------------------------------------------------------------- used by the handles

  nextSeq(): number {
    return ++this.seq;
  }

  isDir(p: string): boolean {
    return this.dirs.has(p);
  }

  file(p: string): Inode | undefined {
    return this.files.get(p);
  }

  create(p: string): Inode {
    if (!this.dirs.has(path.dirname(p))) throw errno('ENOENT', 'open', p);
    if (this.dirs.has(p)) throw errno('EISDIR', 'open', p);
    const inode = new Inode();
    this.files.set(p, inode);
    return inode;
  }

  setEntry(p: string, inode: Inode | undefined): void {
    if (inode === undefined) this.files.delete(p);
    else this.files.set(p, inode);
  }

  mkdir(p: string): void {
    for (let d = p; !this.dirs.has(d); d = path.dirname(d)) {
      if (this.files.has(d)) throw errno('EEXIST', 'mkdir', d);
      this.dirs.add(d);
    }
  }

  /** The entries of `dir` now, to become durable when an fsync of it completes. */
  entriesOf(dir: string): Map<string, Inode> {
    const entries = new Map<string, Inode>();
    for (const [f, inode] of this.files) if (path.dirname(f) === dir) entries.set(path.basename(f), inode);
    return entries;
  }

  commitEntries(dir: string, entries: Map<string, Inode>): void {
    this.durableEntries.set(dir, entries);
  }

  get diskPlan(): DiskPlan {
    return this.plan;
  }

  get diskStats(): DiskStats {
    return this.stats;
  }
}

interface OpenFile {
  readonly path: string;
  /** Undefined for a directory. */
  readonly inode: Inode | undefined;
}

/** One process's view of the disk, as the storage port. */
class SimFsHandle implements StorageFs {
  private readonly fds = new Map<number, OpenFile>();
  private nextFd = 3;

  constructor(
    private readonly disk: SimFs,
    private readonly proc: SimFsProcess,
  ) {}

  private alive(): void {
    if (!this.proc.owner.alive) throw new Error(`simulated disk: process ${this.proc.owner.member}#${this.proc.owner.number} is dead`);
  }

  private open_(p: string, flags: OpenFlags): number {
    this.alive();
    let inode = this.disk.file(p);
    if (inode === undefined && this.disk.isDir(p)) {
      if (flags !== 'r') throw errno('EISDIR', 'open', p);
    } else if (flags === 'wx+') {
      if (inode !== undefined) throw errno('EEXIST', 'open', p);
      inode = this.disk.create(p);
    } else if (flags === 'w' || flags === 'w+') {
      if (inode === undefined) inode = this.disk.create(p);
      else inode.truncate(0, this.disk.nextSeq());
    } else if (inode === undefined) {
      throw errno('ENOENT', 'open', p);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { path: p, inode });
    return fd;
  }

  private fd(fd: number): OpenFile {
    this.alive();
    const f = this.fds.get(fd);
    if (f === undefined) throw errno('EBADF', 'fd');
    return f;
  }

  private inodeOf(fd: number): Inode {
    const inode = this.fd(fd).inode;
    if (inode === undefined) throw errno('EISDIR', 'fd');
    return inode;
  }

  private existing(p: string, syscall: string): Inode {
    this.alive();
    const inode = this.disk.file(p);
    if (inode === undefined) throw errno(this.disk.isDir(p) ? 'EISDIR' : 'ENOENT', syscall, p);
    return inode;
  }

  /** Runs `op` as an event of this process after `us` microseconds (never, if the process dies first). */
  private later<T>(us: number, op: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.proc.scheduler.after(us, () => {
        try {
          resolve(op());
        } catch (err) {
          reject(err as Error);
        }
      }, this.proc.owner);
    });
  }

  openSync(p: string, flags: OpenFlags): number {
    return this.open_(p, flags);
  }

  closeSync(fd: number): void {
    this.fd(fd);
    this.fds.delete(fd);
  }

  fstatSync(fd: number): FileStat {
    const f = this.fd(fd);
    const size = f.inode?.size ?? 0;
    const dir = f.inode === undefined;
    return { size, isDirectory: () => dir };
  }

  ftruncateSync(fd: number, length: number): void {
    this.inodeOf(fd).truncate(length, this.disk.nextSeq());
  }

  writevSync(fd: number, buffers: readonly Uint8Array[], position: number): number {
    const inode = this.inodeOf(fd);
    this.disk.checkRoom(inode, position + buffers.reduce((n, b) => n + b.length, 0), this.fd(fd).path);
    let at = position;
    for (const b of buffers) {
      inode.write(at, b, this.disk.nextSeq());
      at += b.length;
    }
    return at - position;
  }

  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const inode = this.inodeOf(fd);
    this.disk.checkRoom(inode, position + length, this.fd(fd).path);
    inode.write(position, buffer.subarray(offset, offset + length), this.disk.nextSeq());
    return length;
  }

  fsyncSync(fd: number): void {
    const f = this.fd(fd);
    if (f.inode) f.inode.sync(this.disk.nextSeq());
    else this.disk.commitEntries(f.path, this.disk.entriesOf(f.path));
  }

  readFileSync(p: string): Buffer {
    const inode = this.existing(p, 'open');
    return Buffer.from(inode.data.subarray(0, inode.size));
  }

  writeFileSync(p: string, data: string | Uint8Array): void {
    const fd = this.open_(p, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.writeSync(fd, bytes, 0, bytes.length, 0);
    this.closeSync(fd);
  }

  truncateSync(p: string, length: number): void {
    this.existing(p, 'truncate').truncate(length, this.disk.nextSeq());
  }

  readdirSync(p: string): string[] {
    this.alive();
    return this.disk.list(p);
  }

  mkdirSync(p: string, options: { recursive: boolean }): void {
    this.alive();
    if (!options.recursive && (this.disk.isDir(p) || !this.disk.isDir(path.dirname(p)))) throw errno(this.disk.isDir(p) ? 'EEXIST' : 'ENOENT', 'mkdir', p);
    this.disk.mkdir(p);
  }

  existsSync(p: string): boolean {
    this.alive();
    return this.disk.isDir(p) || this.disk.file(p) !== undefined;
  }

  statSync(p: string): FileStat | undefined {
    this.alive();
    if (this.disk.isDir(p)) return { size: 0, isDirectory: () => true };
    const inode = this.disk.file(p);
    return inode && { size: inode.size, isDirectory: () => false };
  }

  renameSync(from: string, to: string): void {
    const inode = this.existing(from, 'rename');
    if (!this.disk.isDir(path.dirname(to))) throw errno('ENOENT', 'rename', to);
    this.disk.setEntry(from, undefined);
    this.disk.setEntry(to, inode);
  }

  unlinkSync(p: string): void {
    this.existing(p, 'unlink');
    this.disk.setEntry(p, undefined);
  }

  linkSync(from: string, to: string): void {
    const inode = this.existing(from, 'link');
    if (this.disk.file(to) !== undefined || this.disk.isDir(to)) throw errno('EEXIST', 'link', to);
    this.disk.setEntry(to, inode);
  }

  copyFileSync(from: string, to: string): void {
    const content = this.readFileSync(from);
    this.writeFileSync(to, content);
  }

  rmSync(p: string, options: { force: boolean }): void {
    this.alive();
    if (this.disk.file(p) === undefined) {
      if (options.force) return;
      throw errno('ENOENT', 'rm', p);
    }
    this.disk.setEntry(p, undefined);
  }

  statfsSync(): { readonly bavail: number; readonly bsize: number } {
    this.alive();
    return { bavail: this.disk.isFull ? 0 : 1 << 20, bsize: 4096 };
  }

  fsync(fd: number): Promise<void> {
    return this.fdatasync(fd);
  }

  /** Covers what was written before the call; completes after a drawn latency, or fails with EIO. */
  fdatasync(fd: number): Promise<void> {
    const f = this.fd(fd);
    const { diskPlan: plan, diskStats: stats } = this.disk;
    const { prng } = this.proc;
    const slow = prng.chance(plan.slowFsync);
    const [lo, hi] = slow ? plan.slowFsyncUs : plan.fsyncUs;
    stats.fsyncs++;
    if (slow) stats.slowFsyncs++;
    const upTo = this.disk.nextSeq();
    const entries = f.inode === undefined ? this.disk.entriesOf(f.path) : undefined;
    return this.later(prng.between(lo, hi), () => {
      // Drawn as it completes, so that none fails once the fault phase is over (`stopFailing`).
      if (prng.chance(this.disk.diskPlan.eio)) {
        if (f.path.includes(`${path.sep}snap${path.sep}`)) stats.snapshotEio++;
        else stats.eio++;
        // The kernel drops the pages it could not write: later reads see the platter.
        f.inode?.reset([]);
        this.proc.onEio?.(f.path);
        throw errno('EIO', 'fsync', f.path);
      }
      if (f.inode) f.inode.sync(upTo);
      else this.disk.commitEntries(f.path, entries as Map<string, Inode>);
    });
  }

  open(p: string, flags: OpenFlags): Promise<number> {
    return this.later(0, () => this.open_(p, flags));
  }

  close(fd: number): Promise<void> {
    return this.later(0, () => this.closeSync(fd));
  }

  fstat(fd: number): Promise<FileStat> {
    return this.later(0, () => this.fstatSync(fd));
  }

  ftruncate(fd: number, length: number): Promise<void> {
    return this.later(0, () => this.ftruncateSync(fd, length));
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.later(0, () => {
      const inode = this.inodeOf(fd);
      const n = Math.max(0, Math.min(length, inode.size - position));
      buffer.set(inode.data.subarray(position, position + n), offset);
      return n;
    });
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.later(0, () => this.writeSync(fd, buffer, offset, length, position));
  }

  rename(from: string, to: string): Promise<void> {
    return this.later(0, () => this.renameSync(from, to));
  }

  unlink(p: string): Promise<void> {
    return this.later(0, () => this.unlinkSync(p));
  }

  rm(p: string, options: { force: boolean }): Promise<void> {
    return this.later(0, () => this.rmSync(p, options));
  }
}
