/**
 * Faults through the Drills admin API (fleet.v1.Drills in admin.proto), for members this
 * machine cannot signal. The member injects the fault into itself, and a pause or partition
 * ends by itself; a killed member comes back only if its supervisor restarts it.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, memberChannelOptions, type TlsFiles } from '../../client/index.js';
import { CliError, EXIT } from '../../common/errors.js';
import { loadFleetProto } from '../../proto/index.js';
import type * as wire from '../../proto/index.js';
import { pause } from './clock.js';
import { unsupported, type FaultAction, type FaultInjector, type PeerLinkDelay } from './injector.js';
import type { MemberRef } from './steady-state.js';

/** How to reach the members' admin API. */
export interface RemoteInjectorOptions {
  /** The admin token (Drills calls are admin calls). */
  readonly token?: string | undefined;
  readonly tls?: TlsFiles | undefined;
  /** Deadline of one call (default 5 s). */
  readonly callTimeoutMs?: number;
}

/** A failed Drills call as one line that says what to do. */
function drillError(member: MemberRef, err: ServiceError): CliError {
  const hints: Record<number, string> = {
    9: `restart ${member.id} with --enable-drills`,
    12: `${member.id} runs a version without the Drills API: upgrade it, or drill it locally with --pids`,
    16: 'pass the admin token with --token (or use a context that has it)',
    7: 'drills need the admin token: pass it with --token',
  };
  return new CliError(`${member.id} (${member.address}) refused the drill: ${err.details || err.message}`, {
    exitCode: EXIT.error,
    code: 'DRILL_REFUSED',
    hint: hints[err.code] ?? 'fleet status',
  });
}

/**
 * Faults through the Drills API. Invariant: every partition, delay, clock skew and disk stall it
 * made is healed by `restoreAll()` (and by the member's own timer if the drill dies first).
 */
export class AdminApiInjector implements FaultInjector {
  readonly kind = 'admin-api';
  readonly #opts: RemoteInjectorOptions;
  readonly #stubs = new Map<string, wire.DrillsClient>();
  readonly #partitioned = new Map<string, MemberRef>();
  readonly #pausedUntil = new Map<string, number>();

  constructor(opts: RemoteInjectorOptions = {}) {
    this.#opts = opts;
  }

  can(action: FaultAction): boolean {
    return action === 'kill' || action === 'pause' || action === 'partition' || action === 'delay' || action === 'clock' || action === 'disk-stall';
  }

  async kill(member: MemberRef): Promise<void> {
    await this.#call(member, { kind: 'DRILL_KIND_KILL' });
  }

  async pause(member: MemberRef, ms: number): Promise<void> {
    const r = await this.#call(member, { kind: 'DRILL_KIND_PAUSE', durationMs: ms });
    this.#pausedUntil.set(member.id, r.untilMs);
  }

  /** A frozen member resumes by itself: wait for the end of its freeze. */
  async resume(member: MemberRef): Promise<void> {
    const until = this.#pausedUntil.get(member.id);
    this.#pausedUntil.delete(member.id);
    if (until !== undefined) await pause(until - Date.now());
  }

  async partition(member: MemberRef, peers: readonly string[], ms: number): Promise<void> {
    this.#partitioned.set(member.id, member);
    await this.#call(member, { kind: 'DRILL_KIND_PARTITION', durationMs: ms, peers: [...peers] });
  }

  async delay(member: MemberRef, links: readonly PeerLinkDelay[], ms: number): Promise<void> {
    this.#partitioned.set(member.id, member);
    await this.#call(member, { kind: 'DRILL_KIND_DELAY', durationMs: ms, delays: links.map((l) => ({ ...l })) });
  }

  async skewClock(member: MemberRef, offsetMs: number, ms: number): Promise<void> {
    this.#partitioned.set(member.id, member);
    await this.#call(member, { kind: 'DRILL_KIND_CLOCK', durationMs: ms, clockOffsetMs: offsetMs });
  }

  async stallDisk(member: MemberRef, ms: number): Promise<void> {
    this.#partitioned.set(member.id, member);
    await this.#call(member, { kind: 'DRILL_KIND_DISK_STALL', durationMs: ms });
  }

  async heal(member: MemberRef): Promise<void> {
    await this.#call(member, { kind: 'DRILL_KIND_HEAL' });
    this.#partitioned.delete(member.id);
  }

  async stop(): Promise<void> {
    throw unsupported(this.kind, 'stop', 'a rolling restart needs the members\' processes: run it on their machine with --pids, or on a local cluster');
  }

  async restart(): Promise<void> {
    throw unsupported(this.kind, 'restart', 'a killed remote member comes back when its supervisor restarts it; pass --no-restart');
  }

  /** Asks every member for a HEAL (a no-op unless it is partitioned): it fails as a real drill would. */
  async prepare(members: readonly MemberRef[], actions: readonly FaultAction[]): Promise<void> {
    if (actions.length === 0) return;
    await Promise.all(members.map((m) => this.#call(m, { kind: 'DRILL_KIND_HEAL' })));
  }

  async restoreAll(): Promise<void> {
    await Promise.all([...this.#partitioned.values()].map((m) => this.heal(m).catch(() => undefined)));
    for (const s of this.#stubs.values()) s.close();
    this.#stubs.clear();
  }

  #stub(member: MemberRef): wire.DrillsClient {
    let stub = this.#stubs.get(member.address);
    if (stub === undefined) {
      stub = new (loadFleetProto().fleet.v1.Drills)(member.address, channelCredentials(this.#opts.tls, member.address), memberChannelOptions(member.address, this.#opts.tls));
      this.#stubs.set(member.address, stub);
    }
    return stub;
  }

  #call(member: MemberRef, req: wire.DrillRequest): Promise<wire.DrillResponse__Output> {
    const md = new Metadata();
    if (this.#opts.token !== undefined) md.set('authorization', `Bearer ${this.#opts.token}`);
    const deadline = Date.now() + (this.#opts.callTimeoutMs ?? 5_000);
    return new Promise((resolve, reject) => {
      this.#stub(member).Drill(req, md, { deadline }, (err, res) => {
        if (err) reject(drillError(member, err));
        else if (res === undefined) reject(new CliError(`${member.id} answered the drill with nothing`));
        else resolve(res);
      });
    });
  }
}
