/**
 * One simulated member: a RawNode and the host around it — the durable store, the register
 * state machine, and the client requests it is serving. The host follows the Ready contract
 * in types.ts to the letter: persist, send, restore and apply, advance; then snapshot every
 * `compactEvery` applied entries so that slow followers need InstallSnapshot.
 */
import type { RaftErrorCode } from '../../src/core/raft/errors.js';
import { RawNode } from '../../src/core/raft/raw-node.js';
import type { ConfState, Config, Entry, Message, NodeId, Ready, Role, Snapshot, UnsafeTestingOptions } from '../../src/core/raft/types.js';
import type { SafetyChecker } from './checkers.js';
import { hashBytes, type TraceDigest } from './digest.js';
import { DurableStore } from './durable-store.js';
import { decodeCommand, KvModel, type KvCommand, type RegisterValue } from './kv-model.js';
import type { Prng } from './prng.js';
import { SafetyViolation } from './violation.js';

/** How a write attempt ended at this host. `lost`: not applied through this attempt; the client may retry. */
export type WriteOutcome = 'ok' | 'cas-failed' | 'lost';

/** Where a host sends answers to the clients whose requests it holds. */
export interface ClientSink {
  writeDone(reqId: number, outcome: WriteOutcome): void;
  /** `lost` when the read cannot be answered through this attempt. */
  readDone(reqId: number, value: RegisterValue | 'lost'): void;
}

/** The immediate answer to a client request. */
export type SubmitOutcome = { readonly kind: 'accepted' } | { readonly kind: 'down' } | { readonly kind: 'refused'; readonly error: RaftErrorCode; readonly leader: NodeId };

/** Settings shared by every host of a run. */
export interface HostSettings {
  readonly compactEvery: number;
  readonly maxMsgBytes: number;
  readonly maxInflight: number;
  readonly unsafe?: UnsafeTestingOptions;
  /** A deliberately broken host for the harness's own non-vacuity test: reads skip ReadIndex. */
  readonly staleReads?: boolean;
  /**
   * Asynchronous storage writes, as the real node does them: a Ready's writes are handed off
   * and become durable later (decided by this stream), while the next Readies are taken.
   */
  readonly asyncWrites?: Prng;
  /** A deliberately broken host for the non-vacuity test: with asyncWrites, acknowledges writes before they are durable. */
  readonly ackBeforeDurable?: boolean;
}

/** What a host needs from the cluster around it. */
export interface HostEnv {
  readonly settings: HostSettings;
  readonly checker: SafetyChecker;
  readonly digest: TraceDigest;
  readonly clients: ClientSink;
  send(msg: Message): void;
  /** Notable events (leader changes, snapshots) for verbose runs. */
  log(line: string): void;
  /** The simulated time. */
  now(): number;
}

interface PendingWrite {
  readonly reqId: number;
  readonly client: number;
  readonly seq: number;
}

interface PendingRead {
  readonly reqId: number;
  readonly key: string;
  /** Set once the ReadState arrived: answer when applied reaches it. */
  index?: number;
}

/** Counters for the run summary. */
export interface HostStats {
  snapshotsInstalled: number;
  snapshotsTaken: number;
  crashes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A member's host. Invariant: between two calls from the cluster, every Ready the node had
 * was handled completely — so a crash, which the cluster only injects between calls, loses
 * exactly the volatile state and nothing the node was told is durable.
 */
export class Host {
  readonly store: DurableStore;
  private raw: RawNode | undefined;
  private sm = new KvModel();
  private applied = 0;
  private pendingWrites = new Map<number, PendingWrite>();
  private pendingReads = new Map<number, PendingRead>();
  private softRole: Role = 'follower';
  readonly stats: HostStats = { snapshotsInstalled: 0, snapshotsTaken: 0, crashes: 0 };
  /** The next simulated time this node ticks, and its own tick period (clock drift). */
  nextTickAt = 0;
  /** While stalled the process runs nothing; messages wait in its socket buffer. */
  private stalledUntil = 0;
  private stalledInbox: Message[] = [];
  private tornCrashArmed = false;
  /** With asyncWrites: Readies handed off whose writes are not durable yet, oldest first. */
  private unflushed: Ready[] = [];

  constructor(
    readonly id: NodeId,
    private readonly index: number,
    private readonly bootstrap: ConfState,
    readonly tickPeriod: number,
    private readonly env: HostEnv,
  ) {
    this.store = new DurableStore(id);
  }

  /** Whether the process is running (it may still be stalled). */
  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** The role this node last reported in a Ready (followers until told otherwise). */
  get role(): Role {
    return this.raw === undefined ? 'follower' : this.softRole;
  }

  /** The node's RawNode, for the cluster's operator actions and status reads. Undefined while down. */
  get node(): RawNode | undefined {
    return this.raw;
  }

  /** Boots the node from its durable state (a fresh node from nothing). */
  start(random: Prng): void {
    if (this.raw !== undefined) throw new Error(`${this.id} is already running`);
    const s = this.env.settings;
    const config: Config = {
      id: this.id,
      heartbeatTicks: 1,
      electionTicks: 10,
      random: random.intSource(),
      preVote: true,
      checkQuorum: true,
      maxMsgBytes: s.maxMsgBytes,
      maxInflight: s.maxInflight,
      ...(s.unsafe ? { unsafe: s.unsafe } : {}),
    };
    const snapshot = this.store.snapshot;
    this.sm = snapshot ? KvModel.decode(snapshot.data) : new KvModel();
    this.applied = this.store.snapshotIndex;
    this.softRole = 'follower';
    this.env.checker.onRestart(this.id, this.applied);
    this.raw = new RawNode(config, this.store.initialState(this.bootstrap));
    this.handleReadies();
  }

  /** Kills the process: everything but the durable store is gone; clients see their connections drop. */
  crash(): void {
    if (this.raw === undefined) return;
    this.raw = undefined;
    this.tornCrashArmed = false;
    this.stalledInbox = [];
    this.stalledUntil = 0;
    this.unflushed = [];
    this.store.loseUnsynced();
    this.stats.crashes++;
    this.env.checker.onNotLeader(this.id);
    const writes = [...this.pendingWrites.values()];
    const reads = [...this.pendingReads.values()];
    this.pendingWrites = new Map();
    this.pendingReads = new Map();
    for (const w of writes) this.env.clients.writeDone(w.reqId, 'lost');
    for (const r of reads) this.env.clients.readDone(r.reqId, 'lost');
  }

  /** The fault phase is over: no stall, no crash waiting to strike. */
  recover(): void {
    this.stalledUntil = 0;
    this.tornCrashArmed = false;
  }

  /**
   * Freezes the process until `until` (a long GC pause, a suspended VM): it neither ticks nor
   * reads its socket meanwhile, then handles the backlog and ticks once, late.
   */
  stall(until: number): void {
    if (this.raw === undefined) return;
    this.stalledUntil = until;
    this.nextTickAt = Math.max(this.nextTickAt, until);
  }

  private get stalled(): boolean {
    return this.env.now() < this.stalledUntil;
  }

  /**
   * One tick of the node's clock; a node back from a stall first handles what queued up
   * meanwhile. Like `deliver`, it leaves the resulting Readies to the next `handleReadies()`:
   * the cluster batches them the way a host's event loop does.
   */
  tick(): void {
    const backlog = this.stalledInbox;
    this.stalledInbox = [];
    for (const m of backlog) this.deliver(m);
    this.raw?.tick();
  }

  /** Steps a message into the node (Readies wait for `handleReadies()`); returns false when the node is down. */
  deliver(msg: Message): boolean {
    if (this.raw === undefined) return false;
    if (this.stalled) {
      this.stalledInbox.push(msg);
      return true;
    }
    this.raw.step(msg);
    return true;
  }

  /** Proposes a client's write. The answer comes later through `ClientSink.writeDone`. */
  submitWrite(reqId: number, cmd: KvCommand, data: Uint8Array): SubmitOutcome {
    const raw = this.raw;
    if (raw === undefined || this.stalled) return { kind: 'down' };
    const result = raw.propose([data]);
    if (!result.ok) return { kind: 'refused', error: result.error, leader: raw.status().leader };
    this.pendingWrites.set(result.firstIndex, { reqId, client: cmd.client, seq: cmd.seq });
    this.handleReadies();
    return { kind: 'accepted' };
  }

  /** Starts a linearizable read. The answer comes later through `ClientSink.readDone`, or never. */
  submitRead(reqId: number, key: string): SubmitOutcome {
    const raw = this.raw;
    if (raw === undefined || this.stalled) return { kind: 'down' };
    if (this.env.settings.staleReads) {
      this.env.clients.readDone(reqId, this.sm.read(key));
      return { kind: 'accepted' };
    }
    // The context must never match a request of another attempt: request ids are unique per run.
    const error = raw.readIndex(encoder.encode(String(reqId)));
    if (error !== undefined) return { kind: 'refused', error, leader: raw.status().leader };
    this.pendingReads.set(reqId, { reqId, key });
    this.handleReadies();
    return { kind: 'accepted' };
  }

  /** The client gave up on a request: forget it so that no late answer reaches the client. */
  cancel(reqId: number): void {
    this.pendingReads.delete(reqId);
    for (const [index, w] of this.pendingWrites) if (w.reqId === reqId) this.pendingWrites.delete(index);
  }

  /** Handles Readies until the node has none. */
  handleReadies(): void {
    const asyncWrites = this.env.settings.asyncWrites;
    // A write in flight completes at some later call, or with the next Ready that needs it done.
    if (asyncWrites?.chance(0.5)) this.flushWrites();
    for (let rounds = 0; this.raw?.hasReady(); rounds++) {
      if (rounds > 1000) throw new Error(`${this.id}: hasReady() stays true after 1000 Readies`);
      const raw = this.raw;
      const rd = raw.ready();
      this.env.digest.add(this.index, rd.entries.length, rd.committedEntries.length, rd.messages.length + rd.messagesAfterPersist.length, rd.hardState?.commit ?? -1);
      if (this.tornCrashArmed && rd.mustSync) {
        this.tornCrash(rd);
        return;
      }
      if (asyncWrites && !rd.snapshot) this.handOff(raw, rd);
      else this.handleInOrder(raw, rd);
      this.maybeCompact(raw);
    }
  }

  /** The synchronous contract: persist, send, restore and apply, advance. */
  private handleInOrder(raw: RawNode, rd: Ready): void {
    this.persist(rd);
    for (const m of rd.messages) this.send(m);
    for (const m of rd.messagesAfterPersist) this.send(m);
    if (rd.softState) this.observeRole(rd.softState.role);
    if (rd.snapshot) this.restore(rd.snapshot);
    for (const e of rd.committedEntries) this.apply(e);
    this.finishReady(rd);
    raw.advance(rd);
  }

  /** The asynchronous contract: send what needs no disk, apply, hand off; the write lands later. */
  private handOff(raw: RawNode, rd: Ready): void {
    for (const m of rd.messages) this.send(m);
    if (this.env.settings.ackBeforeDurable) for (const m of rd.messagesAfterPersist) this.send(m);
    const last = rd.committedEntries[rd.committedEntries.length - 1];
    // Committed entries are durable here already; the commit index reaches disk later.
    if (last) this.env.checker.onCommit(this.id, last.index, raw.status().term);
    for (const e of rd.committedEntries) this.apply(e);
    this.finishReady(rd);
    raw.handedOff(rd);
    this.unflushed.push(rd);
  }

  /** Completes every write in flight, in order: persisted, then what it promised is sent. */
  private flushWrites(): void {
    const raw = this.raw;
    const done = this.unflushed;
    this.unflushed = [];
    for (const rd of done) {
      this.persist(rd);
      if (!this.env.settings.ackBeforeDurable) for (const m of rd.messagesAfterPersist) this.send(m);
      // The checker holds a leader to its durable log, so the role is reported once durable.
      if (rd.softState) this.observeRole(rd.softState.role);
      raw?.persisted(rd);
    }
  }

  private finishReady(rd: Ready): void {
    for (const rs of rd.readStates) this.readStateArrived(Number(decoder.decode(rs.context)), rs.index);
    this.serveReads();
  }

  /**
   * Arms a crash in the middle of the next Ready that writes to disk: its `messages` go out
   * (the contract lets a host send them in parallel with its write) but the write never
   * completes. If the core put anything there that promises durability, this exposes it.
   */
  armTornCrash(): void {
    this.tornCrashArmed = this.raw !== undefined;
  }

  private tornCrash(rd: Ready): void {
    for (const m of rd.messages) this.send(m);
    this.env.log(`${this.id} crashed mid-Ready: sent ${rd.messages.length} messages, lost its write of ${rd.entries.length} entries`);
    this.crash();
  }

  private persist(rd: Ready): void {
    const prev = this.store.hardState;
    const hs = rd.hardState;
    const needsSync = rd.entries.length > 0 || rd.snapshot !== undefined || (hs !== undefined && (hs.term !== prev.term || hs.vote !== prev.vote));
    if (needsSync && !rd.mustSync) throw new SafetyViolation('ready-contract', `${this.id}: a Ready with entries, a snapshot or a new term/vote has mustSync=false`);
    if (rd.snapshot) {
      const data = rd.snapshot.data;
      if (data === undefined) throw new SafetyViolation('ready-contract', `${this.id}: Ready.snapshot at ${rd.snapshot.meta.index} has no data`);
      const removed = this.store.installSnapshot({ meta: rd.snapshot.meta, data: data.slice() });
      this.env.checker.onSnapshotInstalled(this.id, rd.snapshot.meta, removed);
    }
    const removed = this.store.append(rd.entries);
    this.env.checker.onAppend(this.id, rd.entries, removed);
    if (hs) {
      if (hs.term < prev.term) throw new SafetyViolation('ready-contract', `${this.id}: hard state term went from ${prev.term} to ${hs.term}`);
      this.store.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
      this.env.checker.onCommit(this.id, hs.commit, hs.term);
    }
    if (rd.mustSync) this.store.sync();
  }

  /** Outgoing snapshots carry only meta; the host attaches its own latest snapshot's image. */
  private send(m: Message): void {
    if (m.type !== 'snap' || m.snapshot === undefined) {
      this.env.send(m);
      return;
    }
    const stored = this.store.snapshot;
    if (stored === undefined || stored.meta.index !== m.snapshot.meta.index || stored.meta.term !== m.snapshot.meta.term) {
      const have = stored ? `${stored.meta.index}/${stored.meta.term}` : 'none';
      throw new SafetyViolation('ready-contract', `${this.id} sent a snapshot ${m.snapshot.meta.index}/${m.snapshot.meta.term} but its host's latest snapshot is ${have}`);
    }
    this.env.send({ ...m, snapshot: { meta: m.snapshot.meta, data: stored.data } });
  }

  private observeRole(role: Role): void {
    this.softRole = role;
    if (role === 'leader') {
      this.env.log(`${this.id} leads term ${this.store.hardState.term} (log ${this.store.snapshotIndex}..${this.store.lastIndex})`);
      this.env.checker.onLeader(this.id, this.store.hardState.term);
    } else {
      this.env.checker.onNotLeader(this.id);
    }
  }

  private restore(snapshot: Snapshot): void {
    this.env.checker.onRestore(this.id, snapshot.meta);
    this.sm = KvModel.decode(snapshot.data as Uint8Array);
    this.applied = snapshot.meta.index;
    this.stats.snapshotsInstalled++;
    this.env.log(`${this.id} installed a snapshot at ${snapshot.meta.index}/${snapshot.meta.term}`);
    // Writes covered by the snapshot: the session table says whether this client's latest write is in.
    for (const [index, w] of this.pendingWrites) {
      if (index > this.applied) continue;
      this.pendingWrites.delete(index);
      const session = this.sm.session(w.client);
      const outcome = session?.seq === w.seq ? (session.ok ? 'ok' : 'cas-failed') : 'lost';
      this.env.clients.writeDone(w.reqId, outcome);
    }
  }

  private apply(e: Entry): void {
    this.env.checker.onApply(this.id, e);
    this.applied = e.index;
    const pending = this.pendingWrites.get(e.index);
    if (pending) this.pendingWrites.delete(e.index);
    if (e.type !== 'normal') {
      if (pending) this.env.clients.writeDone(pending.reqId, 'lost');
      return;
    }
    const cmd = decodeCommand(e.data);
    const result = this.sm.apply(cmd);
    if (pending === undefined) return;
    const mine = cmd.client === pending.client && cmd.seq === pending.seq && !result.stale;
    this.env.clients.writeDone(pending.reqId, !mine ? 'lost' : result.ok ? 'ok' : 'cas-failed');
  }

  private readStateArrived(reqId: number, index: number): void {
    const read = this.pendingReads.get(reqId);
    if (read !== undefined && read.index === undefined) read.index = index;
  }

  private serveReads(): void {
    for (const read of this.pendingReads.values()) {
      if (read.index === undefined || read.index > this.applied) continue;
      this.pendingReads.delete(read.reqId);
      this.env.clients.readDone(read.reqId, this.sm.read(read.key));
    }
  }

  private maybeCompact(raw: RawNode): void {
    if (this.applied - this.store.snapshotIndex < this.env.settings.compactEvery) return;
    const term = this.store.termAt(this.applied);
    if (term === undefined) throw new SafetyViolation('ready-contract', `${this.id} applied ${this.applied}, which is not in its durable log`);
    const conf = raw.confState();
    const meta = { index: this.applied, term, conf: { voters: [...conf.voters], learners: [...conf.learners] } };
    const data = this.sm.encode();
    this.store.compact({ meta, data });
    this.env.checker.onSnapshotTaken(this.id, meta.index, hashBytes(data));
    this.stats.snapshotsTaken++;
    raw.compact(meta);
  }
}
