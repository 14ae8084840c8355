/**
 * A member's own snapshots: when one is due (snapshot-policy.ts), and writing one, one at a time,
 * in slices that give the event loop a turn every few milliseconds, so that a large image no
 * longer stops a member from replicating and answering while it is written.
 */
import type { ConfState, SnapshotMeta } from '../../raft/index.js';
import { NodeError } from '../api.js';
import type { ImageWrite, MachineImage, NodeLogger, NodeObserver, RestoredImage } from '../node-types.js';
import type { NodeRuntime } from '../runtime.js';
import { snapshotDue, snapshotProgressAfter, type ImageCost, type SnapshotProgress } from './snapshot-policy.js';
import type { NodeStorage } from '../storage-port.js';
import { stat } from 'node:fs/promises';

/** How long a snapshot in progress may hold the event loop before it lets other work run. */
const SNAPSHOT_SLICE_MS = 4;

export interface SnapshotTaken {
  readonly index: number;
  readonly term: number;
  readonly bytes: number;
  readonly path: string;
}

/** What the writer needs of its member. */
export interface SnapshotHost {
  readonly rt: NodeRuntime;
  readonly storage: NodeStorage;
  readonly logger: NodeLogger;
  readonly observer?: NodeObserver | undefined;
  appliedIndex(): number;
  appliedTerm(): number;
  confState(): ConfState;
  /** Starts an image of the state as applied now. */
  beginImage(): MachineImage;
  /** Bumped whenever the state is replaced (a snapshot from the leader): an image begun before is void. */
  generation(): number;
  stopped(): boolean;
  /** The image is durable: the log up to it may be dropped. */
  compact(meta: SnapshotMeta): void;
  /** Runs a synchronous step under its name, timed (loop-watch.ts): a held loop is blamed on the longest. */
  timed<T>(name: string, fn: () => T): T;
}

export class SnapshotWriter {
  private running: Promise<unknown> | undefined;
  /** What was applied since the last snapshot (taken or installed), and that snapshot's size. */
  private progress: SnapshotProgress;
  taken = 0;

  /**
   * `startedFrom`: the image the member restored at start. The byte rule weighs the log against
   * it, and the time rule takes its restore as what an image costs, until the member writes one.
   */
  constructor(private readonly host: SnapshotHost, startedFrom?: RestoredImage) {
    const cost = startedFrom && { endedAt: host.rt.monoNow(), workMs: startedFrom.restoreMs };
    this.progress = snapshotProgressAfter(startedFrom?.bytes ?? 0, host.rt.random(), cost);
  }

  /** An entry of `bytes` was applied. */
  counted(bytes: number): void {
    this.progress.entries++;
    this.progress.logBytes += bytes;
  }

  /** A snapshot of `bytes` from the leader replaced the state. */
  installed(bytes: number): void {
    // What this member's last image cost still tells what the next one costs, from now.
    const last = this.progress.lastImage;
    this.progress = snapshotProgressAfter(bytes, this.host.rt.random(), last && { endedAt: this.host.rt.monoNow(), workMs: last.workMs });
  }

  /** Takes a snapshot in the background if one is due and none is being written. */
  maybeTake(every: number): void {
    if (this.running || !snapshotDue(this.progress, every, this.host.rt.monoNow())) return;
    void this.take().catch((err: unknown) => this.host.logger.warn({ err }, 'snapshot failed'));
  }

  /**
   * A snapshot that covers everything applied when it was asked for. One is written at a time:
   * an operator's request that arrives while the automatic one runs waits for it (an error here
   * failed `fleet snapshot save` whenever the two met), then returns it if it covers enough.
   */
  async take(): Promise<SnapshotTaken> {
    const wanted = this.host.appliedIndex();
    while (this.running) await this.running.catch(() => undefined);
    // Nothing applied since the newest snapshot: that one is the snapshot asked for.
    const latest = await this.host.storage.latestSnapshot();
    if (latest && latest.index >= wanted) {
      const bytes = latest.bytes ?? (await stat(latest.path)).size;
      return { index: latest.index, term: latest.term, bytes, path: latest.path };
    }
    if (this.running) return this.take();
    const job = this.write();
    this.running = job;
    try {
      return await job;
    } finally {
      if (this.running === job) this.running = undefined;
    }
  }

  private async write(): Promise<SnapshotTaken> {
    const h = this.host;
    const t0 = h.rt.monoNow();
    const generation = h.generation();
    // How long the image's steps ran in all, for the time rule (snapshot-policy.ts).
    let workMs = 0;
    const work = <T>(name: string, fn: () => T): T => {
      const start = h.rt.monoNow();
      try {
        return h.timed(name, fn);
      } finally {
        workMs += h.rt.monoNow() - start;
      }
    };
    const image = work('snapshot: image begun', () => h.beginImage());
    const meta: SnapshotMeta = { index: image.index, term: h.appliedTerm(), conf: h.confState() };
    // Entries applied while the image is written count towards the next snapshot.
    this.progress = snapshotProgressAfter(this.progress.lastSnapshotBytes, h.rt.random(), this.progress.lastImage);
    // Written out as it is made: a whole image in memory outlived the snapshot as tens of MB
    // of garbage until the next full GC, which an idle member may not run for many seconds.
    const sink = h.storage.beginSnapshot(meta);
    let path: string;
    let bytes: number;
    try {
      const write: ImageWrite = (b, offset) => sink.write(b, offset);
      await runInSlices(image.steps(write), () => sink.settle(), { rt: h.rt, timed: work });
      if (h.generation() !== generation || h.stopped()) {
        throw new NodeError('UNAVAILABLE', 'the state was replaced (a snapshot from the leader) or the member stopped while the snapshot was written; retry');
      }
      bytes = work('snapshot: image finished', () => image.finish(write));
      path = await sink.commit(bytes);
    } finally {
      sink.abort();
    }
    const cost: ImageCost = { endedAt: h.rt.monoNow(), workMs };
    this.progress = { ...this.progress, lastSnapshotBytes: bytes, lastImage: cost };
    if (!h.stopped()) h.compact(meta);
    this.taken++;
    h.observer?.onSnapshot?.(bytes, (h.rt.monoNow() - t0) / 1e3);
    h.logger.info({ index: meta.index, term: meta.term, bytes, workMs: Math.round(workMs * 10) / 10 }, 'snapshot taken');
    return { index: meta.index, term: meta.term, bytes, path };
  }
}

/** Runs a snapshot job's steps, giving the event loop a turn every few milliseconds; each slice is a timed step. */
async function runInSlices(steps: Generator<void, void, undefined>, between: () => Promise<void>, h: Pick<SnapshotHost, 'rt' | 'timed'>): Promise<void> {
  const slice = (): boolean => {
    const sliceStart = h.rt.monoNow();
    while (!steps.next().done) if (h.rt.monoNow() - sliceStart >= SNAPSHOT_SLICE_MS) return false;
    return true;
  };
  while (!h.timed('snapshot: image slice', slice)) {
    await between();
    await new Promise<void>((resolve) => h.rt.setImmediate(resolve));
  }
}
