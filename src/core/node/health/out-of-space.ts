/**
 * What a member does while its disk is full. The storage holds the refused log write and every
 * later one, unacknowledged, and SpaceWatch retries them; meanwhile the member appends nothing
 * new: it drops the leader's appends and snapshots (the leader resends them once it answers
 * again), asks for no votes (it could not record its own), refuses client writes, takes no
 * snapshots and serves only the reads its state can answer (FleetNode and read-path.ts ask
 * `full`). A leader hands leadership to a caught-up voter so that the others keep accepting writes.
 */
import { NodeError } from '../api.js';
import type { NodeLogger } from '../node-types.js';
import type { NodeRuntime } from '../runtime.js';
import { SpaceWatch } from './space-watch.js';
import type { NodeStorage } from '../storage-port.js';

/** What the policy needs of its member. */
export interface OutOfSpaceHost {
  readonly id: string;
  readonly rt: NodeRuntime;
  readonly logger: NodeLogger;
  readonly storage: NodeStorage;
  isLeader(): boolean;
  stopped(): boolean;
  /** The most caught-up healthy voter, if any. */
  bestTransferTarget(): string | undefined;
  /** A leadership transfer is under way in the Raft core. */
  transferring(): boolean;
  transferLeadership(to: string): Promise<object>;
  /** Space is back: the member should take its next Ready. */
  resume(): void;
}

export class OutOfSpace {
  private readonly watch: SpaceWatch;
  /** A leadership hand-off for want of space is under way. */
  private handingOff = false;
  /** Said, in this spell out of space, that no voter can take over (said once, not at every retry). */
  private saidNoTarget = false;

  constructor(private readonly host: OutOfSpaceHost) {
    this.watch = new SpaceWatch(host.rt, () => host.storage.retryWrites?.() ?? Promise.resolve(true), {
      full: (err) => this.diskFull(err),
      stillFull: () => this.handOff(),
      freed: (ms) => this.diskFreed(ms),
    });
    host.storage.onOutOfSpace?.((err) => this.watch.refused(err));
  }

  /** Whether the member's log writes are held for want of space. */
  get full(): boolean {
    return this.watch.outOfSpace;
  }

  /** Monotonic time the disk started refusing writes; undefined with space. */
  get since(): number | undefined {
    return this.watch.outOfSpaceSince;
  }

  stop(): void {
    this.watch.stop();
  }

  /** Why a write is refused on a leader whose disk is full: retry elsewhere while a hand-off is under way, else out of space. */
  writeError(): NodeError {
    const id = this.host.id;
    if (this.handingOff || this.host.transferring()) return new NodeError('UNAVAILABLE', `out of space on member ${id}: handing leadership to another member; retry`, { reason: 'handing-off' });
    return new NodeError('OUT_OF_SPACE', `out of space on member ${id}: its disk is full and no caught-up voter can take over; writes resume once space is freed there`, { reason: 'out-of-space' });
  }

  private diskFull(err: Error): void {
    this.host.logger.error({ err: err.message }, 'out of space: this member stops appending until space is freed on its disk');
    this.saidNoTarget = false;
    this.handOff();
  }

  private diskFreed(outOfSpaceMs: number): void {
    this.host.logger.info({ outOfSpaceMs: Math.round(outOfSpaceMs) }, 'space freed: this member appends again');
    this.host.resume();
  }

  /** On the leader, while out of space: hands leadership to the most caught-up healthy voter, if any. */
  private handOff(): void {
    const h = this.host;
    if (!h.isLeader() || this.handingOff || h.stopped() || !this.full) return;
    const target = h.bestTransferTarget();
    if (!target) {
      if (!this.saidNoTarget) h.logger.warn({}, 'out of space with no healthy voter to hand leadership to: writes are refused until space is freed');
      this.saidNoTarget = true;
      return;
    }
    this.handingOff = true;
    h.transferLeadership(target).then(
      (t) => h.logger.info(t, 'handed leadership off: this member is out of space'),
      (err: unknown) => h.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not hand leadership off while out of space; will retry'),
    ).finally(() => (this.handingOff = false));
  }
}
