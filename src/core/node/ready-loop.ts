/**
 * The Ready loop (etcd's raftNode): takes each Ready from the Raft core, sends its messages,
 * makes its writes durable, and hands its committed entries, soft state and read states to the
 * node. Storage writes are asynchronous: a Ready's writes are submitted (the storage makes them
 * durable in submission order, one fsync for all that queued meanwhile) and the next Ready may
 * be taken at once, so proposals and acknowledgements keep flowing while the disk works; what a
 * write promises (acknowledgements, votes) leaves only once it is durable. A Ready with a
 * snapshot is handled start to finish before anything else.
 */
import type { Message, Ready, ReadState, RawNode, SnapshotMeta, SoftState, Entry } from '../raft/index.js';
import type { RepairStatus } from './api.js';
import type { NodeLogger, PeerSender } from './node-types.js';
import type { NodeRuntime } from './runtime.js';
import type { NodeStorage } from './storage-port.js';

/** What the loop hands to its node, and asks of it. */
export interface ReadyHost {
  readonly raw: RawNode;
  readonly rt: NodeRuntime;
  readonly storage: NodeStorage;
  readonly logger: NodeLogger;
  transport(): PeerSender | undefined;
  stopped(): boolean;
  /** Out of space: the member asks for no votes (it could not record its own). */
  outOfSpace(): boolean;
  softStateChanged(soft: SoftState): void;
  installSnapshot(meta: SnapshotMeta, data: Uint8Array): void;
  apply(entries: readonly Entry[]): void;
  readsConfirmed(states: readonly ReadState[]): void;
  /** After each Ready: serve reads, maybe snapshot. */
  afterReady(): void;
  /** A write failed: the member must stop. */
  storageFailed(err: unknown): void;
  /** Test-only (unsafe): send vote grants before they are durable; apply entries as soon as they are appended. */
  readonly unsafe?: { readonly sendVotesBeforePersist?: boolean; readonly applyBeforeCommit?: boolean } | undefined;
}

export class ReadyLoop {
  private handling = false;
  private scheduled = false;
  /** Settles once every Ready handed off so far is durable and reported. */
  private writes: Promise<void> = Promise.resolve();
  /** The damaged log this member is rebuilding from the leader (RecoveredState.repair); undefined once done. */
  private repairing: RepairStatus | undefined;
  repairsCompleted = 0;

  constructor(private readonly host: ReadyHost) {
    const repair = host.storage.recovered.repair;
    if (repair) this.repairing = { file: repair.file, reason: repair.reason, since: repair.since };
  }

  get repair(): RepairStatus | undefined {
    return this.repairing;
  }

  /** Takes the next Ready on a later turn of the event loop (once, however often asked). */
  schedule(): void {
    if (this.scheduled || this.handling || this.host.stopped()) return;
    this.scheduled = true;
    this.host.rt.setImmediate(() => {
      this.scheduled = false;
      void this.handleReady();
    });
  }

  private async handleReady(): Promise<void> {
    const h = this.host;
    if (this.handling || h.stopped() || !h.raw.hasReady()) return;
    this.handling = true;
    try {
      const rd = h.raw.ready();
      if (rd.softState) h.softStateChanged(rd.softState);
      if (rd.snapshot) {
        h.transport()?.send(rd.messages);
        await this.handleInOrder(rd);
      } else {
        // An append with no entries tells a follower the commit index (or probes it): it can wait
        // until the entries it commits are applied, so that the clients' answers go out first.
        const commitOnly = rd.messages.filter(isCommitOnly);
        h.transport()?.send(commitOnly.length === 0 ? rd.messages : rd.messages.filter((m) => !isCommitOnly(m)));
        await this.handOffWrites(rd);
        h.transport()?.send(commitOnly);
      }
      h.afterReady();
    } catch (err) {
      h.storageFailed(err);
      return;
    } finally {
      this.handling = false;
    }
    this.schedule();
  }

  /**
   * Submits the Ready's writes, then applies its committed entries (durable already: the core
   * hands out only those) while the disk works. The order matters on a follower: its
   * acknowledgement waits for the fsync, not for the apply, so the fsync should start first.
   */
  private async handOffWrites(rd: Ready): Promise<void> {
    const h = this.host;
    const afterPersist = h.unsafe?.sendVotesBeforePersist ? this.sendVotesEarly(rd.messagesAfterPersist) : rd.messagesAfterPersist;
    const written = this.persist(rd);
    // The chain below handles a failure; observed here too, so that one failing before the
    // chain reaches it (an earlier write still pending) is not an unhandled rejection.
    written.catch(() => undefined);
    h.raw.handedOff(rd);
    // Chained, so that a Ready without writes cannot acknowledge before an earlier Ready's writes are durable.
    this.writes = this.writes
      .then(() => written)
      .then(() => {
        if (h.stopped()) return;
        // Vote requests wait for the candidate's own vote to be written, so they are among these.
        h.transport()?.send(h.outOfSpace() ? withoutCampaigning(afterPersist) : afterPersist);
        h.raw.persisted(rd);
        this.maybeEndRepair();
        this.schedule();
      })
      .catch((err: unknown) => h.storageFailed(err));
    // The storage begins a group commit at the next microtask (so that every write submitted in
    // this turn joins it): yield one, and the write and its fsync are under way before we apply.
    await null;
    h.apply(rd.committedEntries);
    if (h.unsafe?.applyBeforeCommit) h.apply(rd.entries);
    h.readsConfirmed(rd.readStates);
  }

  /** The unsafe sendVotesBeforePersist member sends its vote answers before they are durable; returns the other messages. */
  private sendVotesEarly(messages: readonly Message[]): readonly Message[] {
    this.host.transport()?.send(messages.filter((m) => m.type === 'vote-resp'));
    return messages.filter((m) => m.type !== 'vote-resp');
  }

  private async handleInOrder(rd: Ready): Promise<void> {
    const h = this.host;
    await this.persist(rd);
    h.transport()?.send(h.outOfSpace() ? withoutCampaigning(rd.messagesAfterPersist) : rd.messagesAfterPersist);
    if (rd.snapshot?.data) h.installSnapshot(rd.snapshot.meta, rd.snapshot.data);
    h.apply(rd.committedEntries);
    h.readsConfirmed(rd.readStates);
    h.raw.advance(rd);
    this.maybeEndRepair();
  }

  /** Submits the Ready's writes (storage keeps them in submission order); resolves once durable. */
  private async persist(rd: Ready): Promise<void> {
    const storage = this.host.storage;
    if (rd.snapshot?.data) await storage.installSnapshot(rd.snapshot.meta, rd.snapshot.data);
    if (rd.hardState || rd.entries.length > 0) {
      await storage.persist({ hardState: rd.hardState, entries: rd.entries }, rd.mustSync);
    }
  }

  /**
   * The core ended the repair (the leader gave this member its whole log back), and what it
   * wrote since is durable: a restart must no longer treat the log as damaged.
   */
  private maybeEndRepair(): void {
    const h = this.host;
    if (this.repairing === undefined || h.raw.repairing) return;
    h.storage.markRepaired?.();
    h.logger.info({ file: this.repairing.file, since: this.repairing.since, lastIndex: h.raw.status().lastIndex }, 'log repaired from the leader: this member votes again');
    this.repairing = undefined;
    this.repairsCompleted++;
  }
}

/** The messages without vote requests: a member that cannot record its own vote does not ask for others'. */
function withoutCampaigning(messages: readonly Message[]): Message[] {
  return messages.filter((m) => m.type !== 'pre-vote' && m.type !== 'vote');
}

const isCommitOnly = (m: Message): boolean => m.type === 'app' && m.entries.length === 0;
