/**
 * The Drills service (fleet.v1.Drills in admin.proto): fault injection for `fleet drill`
 * against members the operator cannot signal directly (another machine, a container). Only a
 * member started with `--enable-drills` obeys; every call needs the admin token.
 *
 * Every fault ends by itself except a kill: a pause is a bounded freeze of this process, and a
 * partition, a link delay, a clock skew or a disk stall ends on a timer, so a drill that dies
 * half-way never leaves a member cut off, slowed down or out of time.
 */
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type * as wire from '../../../proto/index.js';
import type { NodeLogger } from '../../node/fleet-node.js';
import { actorOf, authorizeCall, type AuthOptions } from '../guard/auth.js';
import type { ClockSkew, DiskStall } from './drill-faults.js';
import type { AuditRecorder } from './member-audit.js';
import type { LinkDelay } from '../peer/link-delay.js';
import { errorStatus, WireError } from '../wire.js';

/** Longest pause a drill may ask for: longer would look like a dead member to any supervisor. */
export const MAX_PAUSE_MS = 60_000;
/** Longest partition a drill may ask for. */
export const MAX_PARTITION_MS = 600_000;
/** Longest one-way delay a WAN drill may add to a link: longer looks like a partition, which has its own drill. */
export const MAX_LINK_DELAY_MS = 10_000;
/** Longest a clock skew may last, and the farthest it may move the clock. */
export const MAX_CLOCK_SKEW_MS = 600_000;
export const MAX_CLOCK_OFFSET_MS = 3_600_000;
/** Longest a disk stall may last: longer looks like a dead disk to any supervisor. */
export const MAX_DISK_STALL_MS = 60_000;
/** Time for the answer to leave the process before a kill or a freeze stops it. */
const FLUSH_MS = 25;

/** What a drill does to this process; injected so tests need not kill themselves. */
export interface DrillProcess {
  readonly pid: number;
  /** Ends the process at once, as SIGKILL does (no shutdown hooks run). */
  kill(): void;
  /** Stops everything in this process (timers, I/O, the Raft loop) for `ms`, as SIGSTOP would. */
  freeze(ms: number): void;
  /** Unix time in ms. */
  now(): number;
}

/** What the service needs from the member it runs in. */
export interface DrillServiceOptions extends AuthOptions {
  /** `--enable-drills`: without it every call is refused. */
  readonly enabled: boolean;
  readonly memberId: string;
  /**
   * The peer transport's drill hooks (PeerTransport): `blocked`, peers whose traffic is
   * dropped both ways; `delays`, what this member sends to each peer delayed (the WAN drill).
   */
  readonly transport: {
    readonly blocked: Set<string>;
    readonly delays?: { set(links: ReadonlyMap<string, LinkDelay>): void; clear(): void; peers(): string[] };
  };
  /** The ids of the other members, now. */
  readonly peers: () => readonly string[];
  readonly logger?: Pick<NodeLogger, 'warn'>;
  readonly process?: DrillProcess;
  /** The member's skewable wall clock (drill-faults.ts); without it, CLOCK is refused. */
  readonly clock?: Pick<ClockSkew, 'skew' | 'clear' | 'offsetMs'>;
  /** The member's stallable disk (drill-faults.ts); without it, DISK_STALL is refused. */
  readonly disk?: Pick<DiskStall, 'stall' | 'resume' | 'stalled'>;
  /**
   * Records an injected fault in the audit log (member-audit.ts: on the leader, or sent to it from
   * a follower), best effort: a fault that keeps the entry from committing loses it. The CLI's
   * drill.start and drill.end records (Admin.RecordDrill) are the ones to rely on.
   */
  readonly recordAudit?: AuditRecorder;
}

/** A running Drills service: its handlers, and `close()` to heal a partition still in force. */
export interface DrillService {
  readonly handlers: wire.DrillsHandlers;
  close(): void;
}

/** The real process: SIGKILL to itself, and a freeze that blocks the event loop without spinning. */
export function realDrillProcess(): DrillProcess {
  return {
    pid: process.pid,
    kill: () => process.kill(process.pid, 'SIGKILL'),
    // Atomics.wait blocks this thread in the kernel: no timer fires and no socket is read, as
    // under SIGSTOP, and the freeze ends by itself (a stopped process cannot resume itself).
    freeze: (ms) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
    now: () => Date.now(),
  };
}

function durationOf(req: wire.DrillRequest__Output, max: number): number {
  const ms = req.durationMs;
  if (!Number.isInteger(ms) || ms <= 0 || ms > max) throw new WireError(`duration_ms: must be between 1 and ${max}, got ${ms}`);
  return ms;
}

/**
 * Creates the Drills service. Invariants: nothing happens unless `enabled` and the caller holds
 * the admin token; at most one partition is in force, and it always has a heal timer.
 */
export function createDrillService(opts: DrillServiceOptions): DrillService {
  const faults = new DrillFaults(opts, opts.process ?? realDrillProcess());
  const Drill = (call: ServerUnaryCall<wire.DrillRequest__Output, wire.DrillResponse>, callback: sendUnaryData<wire.DrillResponse>): void => {
    const denied = authorizeCall(call, opts);
    if (denied) return callback(denied);
    if (!opts.enabled) return callback({ code: status.FAILED_PRECONDITION, details: `drills are disabled on ${opts.memberId}: start it with --enable-drills to allow fault injection` });
    try {
      const answered = faults.serve(call.request);
      // Never awaited: a fault must not wait on a quorum it may break. A kill or a pause takes
      // effect FLUSH_MS later, time for a leader to commit it; a partitioned leader cannot.
      const { kind, durationMs, peers, clockOffsetMs } = call.request;
      const args = { member: opts.memberId, kind, durationMs, peers, ...(kind === 'DRILL_KIND_CLOCK' ? { clockOffsetMs: Number(clockOffsetMs) } : {}) };
      opts.recordAudit?.(actorOf(call.metadata, opts), 'drill.fault', args, 'injected', call.metadata).catch(() => undefined);
      callback(null, answered);
    } catch (err) {
      callback(errorStatus(err));
    }
  };
  return { handlers: { Drill }, close: () => faults.healAll() };
}

/** The faults in force on this member, each with the timer that ends it (a kill and a pause excepted). */
class DrillFaults {
  private partition: { peers: string[]; timer: NodeJS.Timeout } | undefined;
  private slowed: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: DrillServiceOptions,
    private readonly proc: DrillProcess,
  ) {}

  serve(req: wire.DrillRequest__Output): wire.DrillResponse {
    const { opts, proc } = this;
    switch (req.kind) {
      case 'DRILL_KIND_KILL':
        opts.logger?.warn({}, 'drill: killing this member (SIGKILL)');
        setTimeout(() => proc.kill(), FLUSH_MS);
        return this.answer(0);
      case 'DRILL_KIND_PAUSE': {
        const ms = durationOf(req, MAX_PAUSE_MS);
        opts.logger?.warn({ ms }, 'drill: pausing this member');
        setTimeout(() => proc.freeze(ms), FLUSH_MS);
        return this.answer(proc.now() + FLUSH_MS + ms);
      }
      case 'DRILL_KIND_PARTITION':
        return this.answer(this.cut(req));
      case 'DRILL_KIND_DELAY':
        return this.answer(this.slow(req));
      case 'DRILL_KIND_CLOCK':
        return this.answer(this.skew(req));
      case 'DRILL_KIND_DISK_STALL':
        return this.answer(this.stallDisk(req));
      case 'DRILL_KIND_HEAL':
        this.healAll();
        return this.answer(0);
      default:
        throw new WireError(`kind: got ${String(req.kind)}, want DRILL_KIND_KILL, DRILL_KIND_PAUSE, DRILL_KIND_PARTITION, DRILL_KIND_DELAY, DRILL_KIND_CLOCK, DRILL_KIND_DISK_STALL or DRILL_KIND_HEAL`);
    }
  }

  /** Ends every fault that is not a kill or a pause. */
  healAll(): void {
    this.heal();
    this.unslow();
    this.unskew();
  }

  private answer(untilMs: number): wire.DrillResponse {
    return { memberId: this.opts.memberId, pid: this.proc.pid, blocked: [...this.opts.transport.blocked], untilMs };
  }

  private heal(): void {
    const { partition, opts } = this;
    if (partition === undefined) return;
    clearTimeout(partition.timer);
    for (const p of partition.peers) opts.transport.blocked.delete(p);
    opts.logger?.warn({ peers: partition.peers }, 'drill: partition healed');
    this.partition = undefined;
  }

  private cut(req: wire.DrillRequest__Output): number {
    const { opts } = this;
    const ms = durationOf(req, MAX_PARTITION_MS);
    const known = opts.peers();
    const peers = req.peers.length > 0 ? [...req.peers] : [...known];
    const unknown = peers.filter((p) => !known.includes(p));
    if (unknown.length > 0) throw new WireError(`peers: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a member (members: ${known.join(', ')})`);
    this.heal();
    for (const p of peers) opts.transport.blocked.add(p);
    // Unref'd: a pending heal must not keep a stopping member alive.
    const timer = setTimeout(() => this.heal(), ms).unref();
    this.partition = { peers, timer };
    opts.logger?.warn({ peers, ms }, 'drill: partitioned from peers');
    return this.proc.now() + ms;
  }

  private unslow(): void {
    if (this.slowed === undefined) return;
    clearTimeout(this.slowed);
    this.slowed = undefined;
    this.opts.transport.delays?.clear();
    this.opts.logger?.warn({}, 'drill: link delays ended');
  }

  private slow(req: wire.DrillRequest__Output): number {
    const { opts } = this;
    const delays = opts.transport.delays;
    if (delays === undefined) throw new WireError('this member cannot delay its links');
    const ms = durationOf(req, MAX_PARTITION_MS);
    const links = linkDelaysOf(req.delays, opts.peers());
    this.unslow();
    delays.set(links);
    this.slowed = setTimeout(() => this.unslow(), ms).unref();
    opts.logger?.warn({ links: Object.fromEntries(links), ms }, 'drill: delaying links to peers');
    return this.proc.now() + ms;
  }

  private skew(req: wire.DrillRequest__Output): number {
    const { opts } = this;
    if (opts.clock === undefined) throw new WireError('this member cannot skew its clock');
    const ms = durationOf(req, MAX_CLOCK_SKEW_MS);
    const offset = Number(req.clockOffsetMs);
    if (!Number.isSafeInteger(offset) || offset === 0 || Math.abs(offset) > MAX_CLOCK_OFFSET_MS) throw new WireError(`clock_offset_ms: must be a nonzero whole number of ms within ±${MAX_CLOCK_OFFSET_MS}, got ${req.clockOffsetMs}`);
    opts.clock.skew(offset, ms);
    opts.logger?.warn({ offsetMs: offset, ms }, 'drill: wall clock skewed');
    return this.proc.now() + ms;
  }

  private stallDisk(req: wire.DrillRequest__Output): number {
    const { opts } = this;
    if (opts.disk === undefined) throw new WireError('this member cannot stall its disk');
    const ms = durationOf(req, MAX_DISK_STALL_MS);
    opts.disk.stall(ms);
    opts.logger?.warn({ ms }, 'drill: disk syncs stalled');
    return this.proc.now() + ms;
  }

  /** Ends a clock skew and a disk stall in force (HEAL ends every fault that is not a kill or a pause). */
  private unskew(): void {
    const { opts } = this;
    if (opts.clock !== undefined && opts.clock.offsetMs !== 0) {
      opts.clock.clear();
      opts.logger?.warn({}, 'drill: wall clock restored');
    }
    if (opts.disk?.stalled === true) {
      opts.disk.resume();
      opts.logger?.warn({}, 'drill: disk syncs resumed');
    }
  }
}

/** Checks a DELAY request's links: known peers, sane delays (at most 10 s one way), a loss fraction. */
function linkDelaysOf(delays: readonly wire.PeerDelay__Output[], known: readonly string[]): Map<string, LinkDelay> {
  if (delays.length === 0) throw new WireError('delays: name at least one peer to delay');
  const links = new Map<string, LinkDelay>();
  for (const d of delays) {
    if (!known.includes(d.peer)) throw new WireError(`delays: ${d.peer} is not a member (members: ${known.join(', ')})`);
    if (d.delayMs > MAX_LINK_DELAY_MS || d.jitterMs > MAX_LINK_DELAY_MS) throw new WireError(`delays: ${d.peer}: delay and jitter must be at most ${MAX_LINK_DELAY_MS} ms`);
    if (!(d.loss >= 0 && d.loss <= 1)) throw new WireError(`delays: ${d.peer}: loss must be between 0 and 1, got ${d.loss}`);
    links.set(d.peer, { delayMs: d.delayMs, jitterMs: d.jitterMs, loss: d.loss });
  }
  return links;
}
