/**
 * A member inside the host's process: the member `fleet node start` runs, assembled the same way
 * (`assembleMember`, then `serveApis` with only the APIs the host asked for) with the host's state
 * machine, its lifecycle (`ready()`, `status().state`)
 * and its failures as MemberErrors. Nothing here exits the process, installs a signal handler or
 * writes to stdout/stderr: the member logs to its own file, grpc-js's lines included (grpc-log.ts).
 */
import { EventEmitter } from 'node:events';
import { FleetClient } from '../client/fleet-client.js';
import { NodeError, type MemberStatus, type ReadConsistency } from '../core/node/api.js';
import type { AppFault, StateMachine } from '../core/node/state/app-machine.js';
import { AppFaultError } from '../core/node/state/app-machine.js';
import { assembleMember } from '../core/server/member/assemble.js';
import type { AssembledMember } from '../core/server/member/assembled-member.js';
import { createMemberLogger } from '../core/server/member/member-log.js';
import { serveApis } from '../core/server/member/serve-apis.js';
import { badArgument, MemberError } from './errors.js';
import { nodeRefusal, startFailure } from './failures.js';
import { forwardWrite, type Forwarding } from './forwarder.js';
import { attachGrpcLogs } from './grpc-log.js';
import { Lifecycle, type MemberState, type ReadyInfo, type ReadyOptions } from './lifecycle.js';
import { planMember, type MemberOptions } from './options.js';

/** How fresh a `read` must be: `linearizable` (the default), `local` (this member's state now), or at least a given index. */
export type ReadOption = 'linearizable' | 'local' | { readonly minIndex: number };

/** The events a member emits, with their listeners' arguments. */
export interface MemberEvents {
  /** The member stopped on its own: its storage failed, or the application's apply threw (code FAILED; `cause` the original). */
  fatal: (err: MemberError) => void;
  /** The application's state diverged from the leader's at an index (no reads served here), or its apply threw (a `fatal` follows). */
  fault: (fault: AppFault) => void;
  /** The member became ready (as `ready()` resolves): it knows a leader and has applied what it found committed. */
  ready: (info: ReadyInfo) => void;
}

/** The name of an event a member emits. */
export type MemberEvent = keyof MemberEvents;

/** What `status()` reports: the member's figures (as `fleet status` shows them) and where it is in its life. */
export interface EmbeddedMemberStatus extends Omit<MemberStatus, 'role'> {
  readonly state: MemberState;
  /** `stopped` or `failed` once the member no longer runs (its figures are then the last it had). */
  readonly role: MemberStatus['role'] | 'stopped' | 'failed';
}

/** A running embedded member; `M` is the application's state machine as the host gave it. */
export interface EmbeddedMember<M extends StateMachine = StateMachine> {
  readonly id: string;
  /** The port it serves on (the one given, or the one chosen for port 0). */
  readonly port: number;
  /** Resolves once the member knows a leader and has applied what it found committed; rejects (STOPPED, FAILED, TIMEOUT, ABORTED) otherwise. */
  ready(opts?: ReadyOptions): Promise<ReadyInfo>;
  /** A client of the cluster through this member (needs `apis: ['fleet']`; closed by `stop()`). */
  client(): FleetClient;
  /**
   * Replicates one command for the application's state machine and resolves once the leader
   * applied it: with the apply's answer (as JSON would carry it) and its index. On a follower it
   * is forwarded to the leader. A lost answer after it may have been proposed rejects with code
   * OUTCOME_UNKNOWN (it may have applied); other codes mean it was not applied.
   */
  submitWrite(op: string, payload: Uint8Array | string): Promise<{ value: unknown; index: number }>;
  /** Runs `query` against this member's copy of the application's state once `consistency` holds. */
  read<T>(query: (machine: M) => T, opts?: { readonly consistency?: ReadOption }): Promise<{ value: T; index: number }>;
  /** What this member reports, and whether it is starting, running, stopped or failed. */
  status(): EmbeddedMemberStatus;
  /** Stops the member (a leader hands off first); resolves once nothing of it is left running. */
  stop(): Promise<void>;
  on<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this;
  once<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this;
  off<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this;
}

/** Starts a member in this process; rejects with a MemberError (BAD_MEMBER_OPTIONS, PORT_IN_USE, …) and leaves nothing running. */
export async function startMember<M extends StateMachine = StateMachine>(opts: MemberOptions<M>): Promise<EmbeddedMember<M>> {
  const { options: plan, apis } = await planMember(opts);
  const events = new EventEmitter();
  const id = plan.id;
  // The member's callbacks reach the Member once it exists (a failure before that fails the start).
  const built: { member?: Member<M> } = {};
  const logger = createMemberLogger(plan, { stderr: false });
  const detachGrpc = opts.grpcLogs === 'leave' ? () => undefined : attachGrpcLogs(logger);
  let assembled: AssembledMember;
  let port: number;
  try {
    // A fault the member cannot serve through closes it and becomes the `fatal` event: nothing exits the host's process.
    assembled = await assembleMember({ ...plan, onAppFault: (fault: AppFault) => events.emit('fault', fault) }, { logger, onFatal: (err) => built.member?.failed(err) });
    await serveApis(assembled, apis);
    port = await assembled.start();
  } catch (err) {
    detachGrpc();
    throw startFailure(id, err);
  }
  built.member = new Member<M>(assembled, port, events, { ...plan, apis: opts.apis ?? [], stateMachine: opts.stateMachine !== undefined, detachGrpc });
  return built.member;
}

interface MemberSetup {
  readonly id: string;
  readonly listen: string;
  readonly token?: string | undefined;
  readonly adminToken?: string | undefined;
  readonly apis: readonly string[];
  readonly stateMachine: boolean;
  readonly detachGrpc: () => void;
}

class Member<M extends StateMachine> implements EmbeddedMember<M> {
  readonly id: string;
  readonly port: number;
  private readonly life: Lifecycle;
  private readonly clients: FleetClient[] = [];
  private readonly forwarding: Forwarding;
  private last: MemberStatus | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly inner: AssembledMember,
    port: number,
    private readonly events: EventEmitter,
    private readonly setup: MemberSetup,
  ) {
    this.id = setup.id;
    this.port = port;
    // The member's one path to the leader, which fleet.v1's and etcd's forwarded writes take too.
    this.forwarding = { memberId: setup.id, token: setup.adminToken ?? setup.token, forwarder: inner.pieces.forwarder };
    this.life = new Lifecycle(setup.id, () => inner.node.status());
    inner.node.onProgress(() => this.progress());
    this.progress();
  }

  private progress(): void {
    const was = this.life.state;
    this.life.progress();
    if (was === 'starting' && this.life.state === 'running') void this.life.ready().then((info) => this.events.emit('ready', info));
  }

  ready(opts?: ReadyOptions): Promise<ReadyInfo> {
    return this.life.ready(opts);
  }

  client(): FleetClient {
    const ended = this.life.ended();
    if (ended) throw ended;
    if (!this.setup.apis.includes('fleet')) throw new MemberError('API_NOT_SERVED', `member ${this.id} serves no fleet.v1 API to clients: start it with apis: ['fleet'] to use client()`);
    const token = this.setup.adminToken ?? this.setup.token;
    const c = new FleetClient({ endpoints: [this.setup.listen], ...(token === undefined ? {} : { token }) });
    this.clients.push(c);
    return c;
  }

  async submitWrite(op: string, payload: Uint8Array | string): Promise<{ value: unknown; index: number }> {
    if (typeof op !== 'string' || op === '') throw badArgument('submitWrite: op must be a non-empty string');
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw badArgument('submitWrite: payload must be a string or a Uint8Array');
    this.checkCanServe();
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    let answer: { value: unknown; index: number };
    try {
      answer = await this.inner.node.submit(op, bytes);
    } catch (err) {
      if (err instanceof NodeError && err.code === 'NOT_LEADER' && err.leaderAddress !== '' && !this.life.ended()) {
        return forwardWrite(this.forwarding, op, bytes, err);
      }
      throw this.refusal(err, true);
    }
    try {
      // As a forwarded write's answer is: the same answer whichever member the host asked.
      return { value: JSON.parse(JSON.stringify(answer.value ?? null)) as unknown, index: answer.index };
    } catch (err) {
      throw new MemberError('BAD_ANSWER', `member ${this.id}: the write applied at index ${answer.index}, but apply's answer is not JSON-serializable: ${(err as Error).message}`, { cause: err });
    }
  }

  async read<T>(query: (machine: M) => T, ro: { readonly consistency?: ReadOption } = {}): Promise<{ value: T; index: number }> {
    if (typeof query !== 'function') throw badArgument('read: query must be a function of the state machine');
    const consistency = consistencyOf(ro.consistency ?? 'linearizable');
    this.checkCanServe();
    const fault = this.inner.node.appFault();
    if (fault?.code === 'DIVERGED') throw this.refusal(new NodeError('FAILED_PRECONDITION', fault.message, { reason: 'diverged' }), false);
    // The node holds the machine the host gave (an M) as a StateMachine.
    return this.inner.node.readApp(consistency, query as (machine: StateMachine) => T).catch((err: unknown) => {
      throw this.refusal(err, false);
    });
  }

  status(): EmbeddedMemberStatus {
    const state = this.life.state;
    if (state === 'stopped' || state === 'failed') {
      const last = this.last ?? this.inner.node.status();
      return { ...last, state, role: state, leaderId: '', leaderAddress: '', progress: [], autopilot: undefined };
    }
    return { ...this.inner.node.status(), state };
  }

  stop(): Promise<void> {
    return (this.stopping ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    // A failed member is down already (port closed, storage abandoned): nothing is left to stop.
    if (this.life.state === 'failed') return;
    this.last = this.inner.node.status();
    this.life.stopping();
    for (const c of this.clients.splice(0)) c.close();
    try {
      await this.inner.stop();
    } finally {
      this.life.stopped();
      this.setup.detachGrpc();
    }
  }

  /** The member's onFatal: it is already down (port closed, storage abandoned). */
  failed(err: Error): void {
    this.last = this.inner.node.status();
    const fault = err instanceof AppFaultError ? err.fault : undefined;
    const why = fault ? fault.message : `its storage failed: ${err.message}`;
    const failure = new MemberError('FAILED', `member ${this.id} stopped: ${why}`, { cause: err, ...(fault ? { fault } : {}) });
    this.life.failed(failure);
    for (const c of this.clients.splice(0)) c.close();
    this.setup.detachGrpc();
    this.events.emit('fatal', failure);
  }

  private checkCanServe(): void {
    const ended = this.life.ended();
    if (ended) throw ended;
    if (!this.setup.stateMachine) throw new MemberError('NO_STATE_MACHINE', `member ${this.id} was started without a stateMachine: pass one to startMember to use submitWrite and read`);
  }

  private refusal(err: unknown, write: boolean): unknown {
    const s = this.inner.node.status();
    return nodeRefusal(err, { id: this.id, write, ended: this.life.ended(), leaderId: s.leaderId, fault: this.inner.node.appFault() });
  }

  on<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this {
    this.events.on(event, listener);
    return this;
  }

  once<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this {
    this.events.once(event, listener);
    return this;
  }

  off<E extends MemberEvent>(event: E, listener: MemberEvents[E]): this {
    this.events.off(event, listener);
    return this;
  }
}

function consistencyOf(c: ReadOption): ReadConsistency {
  if (c === 'linearizable') return { mode: 'linearizable' };
  if (c === 'local') return { mode: 'max-staleness', ms: Number.MAX_SAFE_INTEGER };
  if (typeof c === 'object' && c !== null && Number.isSafeInteger(c.minIndex) && c.minIndex >= 0) return { mode: 'min-index', index: c.minIndex };
  throw badArgument(`read: consistency ${JSON.stringify(c)}: use 'linearizable', 'local' or { minIndex: n }`);
}
