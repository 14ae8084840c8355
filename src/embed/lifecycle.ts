/**
 * Where an embedded member is in its life, and `ready()`: a member is ready once it knows a leader
 * and has applied the commit index it found when it first knew one (as etcd's embed closes
 * ReadyNotify once the server can serve), so that a write or a linearizable read made right
 * after is served instead of refused with NO_LEADER. Followed on the node's own progress
 * (FleetMember.onProgress), never by polling; a member that stops or fails first rejects every
 * waiter with STOPPED or FAILED.
 */
import type { MemberStatus } from '../core/node/api.js';
import { badArgument, MemberError } from './errors.js';

/** `starting` until first ready; `running` from then on (even through later elections); then `stopping`, `stopped`, or `failed`. */
export type MemberState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What `ready()` resolves with: the leader it knew and the index it had applied then. */
export interface ReadyInfo {
  readonly leaderId: string;
  readonly appliedIndex: number;
}

/** How long `ready()` waits: a timeout in ms and/or an AbortSignal (default: as long as it takes). */
export interface ReadyOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface Waiter {
  resolve(info: ReadyInfo): void;
  reject(err: MemberError): void;
}

export class Lifecycle {
  state: MemberState = 'starting';
  /** Why the member failed (its `fatal` error), once it has. */
  failure: MemberError | undefined;
  private readyAt: ReadyInfo | undefined;
  /** The commit index this member saw when it first knew a leader: ready once applied. */
  private target: number | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly id: string,
    private readonly status: () => MemberStatus,
  ) {}

  /** The node may have learned a leader or applied entries: maybe it is ready now. */
  progress(): void {
    if (this.state !== 'starting') return;
    const s = this.status();
    if (s.leaderId === '') return;
    this.target ??= s.commitIndex;
    if (s.appliedIndex < this.target) return;
    this.state = 'running';
    this.readyAt = { leaderId: s.leaderId, appliedIndex: s.appliedIndex };
    for (const w of this.waiters) w.resolve(this.readyAt);
    this.waiters.clear();
  }

  stopping(): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.rejectAll(this.ended());
  }

  stopped(): void {
    if (this.state !== 'failed') this.state = 'stopped';
  }

  failed(err: MemberError): void {
    this.state = 'failed';
    this.failure = err;
    this.rejectAll(err);
  }

  /** The error of a call on a member that is no longer running, or undefined while it is. */
  ended(): MemberError | undefined {
    if (this.state === 'failed') return this.failure ?? new MemberError('FAILED', `member ${this.id} failed`);
    if (this.state === 'stopping' || this.state === 'stopped') return new MemberError('STOPPED', `member ${this.id} was stopped`);
    return undefined;
  }

  ready(opts: ReadyOptions = {}): Promise<ReadyInfo> {
    const { timeoutMs, signal } = opts;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) return Promise.reject(badArgument(`ready: timeoutMs ${String(timeoutMs)}: use a number of milliseconds above 0`));
    const ended = this.ended();
    if (ended) return Promise.reject(ended);
    if (this.readyAt) return Promise.resolve(this.readyAt);
    if (signal?.aborted) return Promise.reject(this.aborted());
    return new Promise<ReadyInfo>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = { resolve: (info) => (done(), resolve(info)), reject: (err) => (done(), reject(err)) };
      const onAbort = (): void => waiter.reject(this.aborted());
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => waiter.reject(this.notReadyIn(timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private rejectAll(err: MemberError | undefined): void {
    if (err === undefined) return;
    for (const w of [...this.waiters]) w.reject(err);
  }

  private aborted(): MemberError {
    return new MemberError('ABORTED', `member ${this.id}: ready() was aborted before the member was ready`);
  }

  private notReadyIn(ms: number): MemberError {
    const s = this.status();
    const why = s.leaderId === '' ? 'it knows no leader (is a quorum of its peers running?)' : `it has applied index ${s.appliedIndex} of ${this.target ?? s.commitIndex}`;
    return new MemberError('TIMEOUT', `member ${this.id} was not ready within ${ms} ms: ${why}`);
  }
}
