import { RawNode } from '../../../src/core/raft/raw-node.js';
import type { Config, Entry, HardState, Message, NodeId, Ready, ReadState, Snapshot, SnapshotMeta } from '../../../src/core/raft/types.js';

/** A tiny seeded PRNG so unit scenarios reproduce exactly. */
export function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/** One member with an instantly durable in-memory disk and a list of applied entries. */
export class TestMember {
  node: RawNode;
  hard: HardState = { term: 0, vote: '', commit: 0 };
  log: Entry[] = [];
  snapshot: Snapshot | undefined;
  applied: Entry[] = [];
  readStates: ReadState[] = [];
  appliedIndex = 0;
  /** Restart as a member whose host found its log damaged (InitialState.repairing). */
  repairing = false;
  /** With `repairing`: both copies of its hard state were damaged (InitialState.voteLost). */
  voteLost = false;

  constructor(
    readonly id: NodeId,
    readonly peers: NodeId[],
    readonly overrides: Partial<Config> = {},
    /** Seeds the member's random draws; a restart draws them again from it (change it for a new process's draws). */
    public seed = 1,
  ) {
    this.node = this.build();
  }

  private config(): Config {
    return { id: this.id, heartbeatTicks: 1, electionTicks: 10, random: seeded(this.seed), ...this.overrides };
  }

  private build(): RawNode {
    return new RawNode(this.config(), {
      hardState: this.hard,
      entries: this.log,
      bootstrap: { voters: this.peers, learners: [] },
      ...(this.repairing ? { repairing: true } : {}),
      ...(this.voteLost ? { voteLost: true } : {}),
      ...(this.snapshot ? { snapshot: this.snapshot.meta, applied: this.snapshot.meta.index } : {}),
    });
  }

  /** Crash and restart from what was persisted. */
  restart(): void {
    this.applied = [];
    this.appliedIndex = this.snapshot?.meta.index ?? 0;
    this.node = this.build();
  }

  /** Handles one Ready; returns the messages to deliver. `observe` sees the Ready first (transcript.ts prints it). */
  handleReady(observe?: (rd: Ready) => void): Message[] {
    const rd = this.node.ready();
    observe?.(rd);
    const out = [...rd.messages];
    if (rd.hardState) this.hard = rd.hardState;
    if (rd.snapshot) {
      this.snapshot = rd.snapshot;
      this.log = [];
      this.appliedIndex = rd.snapshot.meta.index;
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      const base = this.snapshot?.meta.index ?? 0;
      this.log = this.log.slice(0, first - base - 1).concat(rd.entries);
    }
    out.push(...rd.messagesAfterPersist);
    for (const e of rd.committedEntries) {
      this.applied.push(e);
      this.appliedIndex = e.index;
    }
    this.readStates.push(...rd.readStates);
    this.node.advance(rd);
    return out;
  }

  /** Takes a snapshot at the applied index and compacts. */
  compact(): void {
    const index = this.appliedIndex;
    const base = this.snapshot?.meta.index ?? 0;
    const term = this.log[index - base - 1]?.term ?? this.snapshot?.meta.term ?? 0;
    const meta: SnapshotMeta = { index, term, conf: this.node.confState() };
    this.snapshot = { meta, data: new TextEncoder().encode(`snap@${index}`) };
    this.log = this.log.slice(index - base);
    this.node.compact(meta);
  }
}

/**
 * An in-memory network of members, delivering messages synchronously in FIFO order. Links can
 * be cut; a member can be isolated. `filter` may drop or inspect messages.
 */
export class TestNetwork {
  readonly members = new Map<NodeId, TestMember>();
  private readonly cut = new Set<string>();
  private readonly down = new Set<NodeId>();
  /** Returns false to drop a message, or a replacement message to deliver instead. */
  filter: (m: Message) => boolean | Message = () => true;
  delivered: Message[] = [];

  constructor(ids: NodeId[], overrides: Partial<Config> = {}) {
    ids.forEach((id, i) => this.members.set(id, new TestMember(id, ids, overrides, i + 1)));
  }

  add(member: TestMember): void {
    this.members.set(member.id, member);
  }

  get(id: NodeId): TestMember {
    return this.members.get(id)!;
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) if (other !== id) this.cutLink(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.down.add(id);
  }

  revive(id: NodeId): void {
    this.down.delete(id);
    this.get(id).restart();
  }

  /** Processes Readies and delivers messages until nothing moves. */
  settle(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const queue: Message[] = [];
      for (const m of this.members.values()) {
        if (this.down.has(m.id)) continue;
        while (m.node.hasReady()) queue.push(...m.handleReady());
      }
      if (queue.length === 0) return;
      for (const msg of queue) this.deliver(msg);
    }
    throw new Error('network did not settle');
  }

  private deliver(msg: Message): void {
    if (this.down.has(msg.to) || this.cut.has(`${msg.from}>${msg.to}`)) return;
    const verdict = this.filter(msg);
    if (verdict === false) return;
    const target = this.members.get(msg.to);
    if (!target) return;
    let m = verdict === true ? msg : verdict;
    if (m.type === 'snap' && m.snapshot && !m.snapshot.data) {
      m = { ...m, snapshot: this.get(m.from).snapshot! };
    }
    this.delivered.push(m);
    target.node.step(m);
  }

  /**
   * Settles, then ticks once: a leader tells followers a commit index short of its last entry
   * with its next append or at its next tick, so only then have they applied everything the
   * leader committed.
   */
  settleCommitted(): void {
    this.settle();
    this.tick();
  }

  /** Ticks every live member `n` times, settling after each tick. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const m of this.members.values()) if (!this.down.has(m.id)) m.node.tick();
      this.settle();
    }
  }

  /**
   * Makes `id` campaign at once and settles. It campaigns as if asked by a leadership transfer,
   * so that voters' check-quorum leases do not make scenarios wait out election timeouts.
   */
  elect(id: NodeId): void {
    const node = this.get(id).node;
    const term = node.status().term;
    node.step({ type: 'timeout-now', from: id, to: id, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    this.settleCommitted();
  }

  leaders(): NodeId[] {
    return [...this.members.values()].filter((m) => !this.down.has(m.id) && m.node.status().role === 'leader').map((m) => m.id);
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
