import { applyConfChange, decodeConfChange, encodeConfChange } from './conf-change.js';
import { checkInvariant, InvalidInitialStateError, type ProposeResult, type RaftErrorCode } from './errors.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum, voteResult } from './quorum.js';
import { ReadOnlyQueue, decodeRound, encodeRound } from './read-only.js';
import { TermProbe, UNKNOWN_VOTE } from './term-probe.js';
import type {
  ConfChange,
  ConfState,
  Config,
  Entry,
  InitialState,
  Message,
  MessageType,
  NodeId,
  RaftLogger,
  ReadState,
  Role,
  UnsafeTestingOptions,
} from './types.js';

const EMPTY: readonly Entry[] = Object.freeze([]);
const NO_CONF: ConfState = { voters: [], learners: [] };
const SILENT: RaftLogger = { debug() {}, info() {}, warn() {} };

/**
 * Reads a leader holds awaiting confirmation, at most. The host batches its reads (one context
 * per heartbeat round), so a leader past this is being flooded: it refuses its own reads with
 * 'too-many-pending-reads' and drops forwarded ones, as a lossy network would.
 */
export const MAX_PENDING_READS = 4_096;

/** Whether a member starts with nothing persisted. */
function isFresh(initial: InitialState): boolean {
  return (initial.hardState?.term ?? 0) === 0 && !initial.snapshot && (initial.entries?.length ?? 0) === 0;
}

/**
 * The founding membership as the first log entries, identical on every founding member (so they
 * are committed from the start). Keeping it in the log, rather than only in each member's
 * configuration, lets a member that joins later learn it by replication.
 */
function foundingEntries(bootstrap: ConfState | undefined): Entry[] {
  if (!bootstrap || bootstrap.voters.length === 0) return [];
  const changes: ConfChange[] = [
    ...bootstrap.voters.map((node): ConfChange => ({ type: 'add-voter', node })),
    ...bootstrap.learners.map((node): ConfChange => ({ type: 'add-learner', node })),
  ];
  return changes.map((cc, i) => ({ term: 1, index: i + 1, type: 'conf-change', data: encodeConfChange(cc) }));
}

/** The host's applied index, refused when the log does not reach it: the membership up to there could not be rebuilt. */
function appliedWithin(applied: number, lastIndex: number): number {
  if (applied <= lastIndex) return applied;
  throw new InvalidInitialStateError(`applied index ${applied} is beyond the last log index ${lastIndex}: the log lacks entries the host applied`);
}

/** Pre-votes retried within two heartbeats after the leader's connection closed, before falling back to the election timeout. */
const QUICK_PRE_VOTE_RETRIES = 3;

/**
 * How far past the election timeout a wait may be drawn: [electionTicks, 1.5 × electionTicks),
 * not etcd's [electionTicks, 2 × electionTicks). The spread only keeps two followers from
 * campaigning at once, and a split vote is retried within heartbeats (quickSplitRetries), so a
 * wide spread bought little and cost every silent-leader outage: the first of two followers
 * times out 1.33 election timeouts after the last heartbeat on average with the wide spread,
 * 1.17 with this one. The shortest wait, which decides false elections, is unchanged
 * (BENCHMARKS.md, "Paused leader, third pass").
 */
function electionSpread(electionTicks: number): number {
  return Math.max(1, Math.ceil(electionTicks / 2));
}

/**
 * Messages that promise nothing about this node's disk, sent before its writes are durable. Only
 * votes and append acknowledgements wait (Raft §3.8; etcd's raft holds back the same three). A
 * heartbeat answer says only "I know no later term than yours" (a vote for a later term raised
 * the term durably first), so it is not held behind a follower's fsync: a ReadIndex round would
 * pay that fsync, and a leader on a starved machine could miss check-quorum waiting for it.
 */
const SEND_AT_ONCE: ReadonlySet<MessageType> = new Set<MessageType>([
  'app',
  'heartbeat',
  'heartbeat-resp',
  'snap',
  'timeout-now',
  'read-index',
  'read-index-resp',
  'term-probe',
  'term-probe-resp',
]);

/** Extra fields of an outgoing message; the rest default to zero/empty. */
type MessageFields = Partial<Omit<Message, 'type' | 'to' | 'from'>>;

/**
 * The Raft algorithm for one member: a synchronous, deterministic state machine. It reacts to
 * ticks, messages and proposals by changing its state and queueing messages in an outbox; the
 * host drains the outbox through RawNode. It never performs I/O, never reads a clock and draws
 * randomness only from `config.random`.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = '';
  leader: NodeId = '';
  role: Role = 'follower';
  readonly log: RaftLog;
  conf: ConfState;
  /** Index of the last membership change applied to `conf`. */
  confIndex: number;

  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  msgsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  leadTransferee: NodeId = '';
  private pendingConfIndex = 0;
  /** As leader: the index of the first entry of its term (its no-op); every entry before it came from earlier terms. */
  termStartIndex = 0;
  private uncommittedBytes = 0;
  private readonly readOnly: ReadOnlyQueue;
  /** Reads that arrived before the leader committed an entry of its term; served once it has. */
  private pendingReads: { context: Uint8Array; from: NodeId }[] = [];
  /** A transfer asked this member to campaign while a committed membership change was unapplied. */
  private campaignAfterConfChange = false;
  /**
   * Quick pre-vote rounds left in this outage (the leader's connection closed, or its silence
   * outlasted this member's election timeout): the other voters may stop trusting the leader a
   * few milliseconds later (their connection closes later, or the leader's last heartbeat reached
   * them later) and ignore the first pre-vote meanwhile, which must not cost a whole election
   * timeout (BENCHMARKS.md, "Paused leader, third pass").
   */
  private quickRetries = 0;
  /** Split votes of this outage (a leader lost) still to retry soon rather than after an election timeout. */
  private quickSplitRetries = 0;
  /** Rebuilding a log the host found damaged (InitialState.repairing): no votes, no campaigns. */
  repairing: boolean;
  /** A permanent non-voter (Config.nonVoting): no votes, no campaigns. */
  private readonly nonVoting: boolean;
  /** Names this repair on the wire (Message.repair), so that a late message of an earlier one is told apart. */
  private readonly repairId: number;
  /** After damage, until enough voters told their terms (term-probe.ts): no votes, no campaigns. */
  termProbe: TermProbe | undefined;
  private termProbeElapsed = 0;
  /**
   * The term in which a repair spent this member's vote (on the leader, or unknown): the host may
   * forget the repair only once a hard state at or past it, with a vote, is durable (RawNode).
   */
  voteFloorTerm = 0;
  /** The leader owes some followers an append (new entries or a newer commit index). */
  needsFlush = false;
  /**
   * Appends that would carry only a newer commit index may go out. Set when the commit index
   * reaches the last entry, as etcd's leader broadcasts it: held until the next tick, a follower
   * showed an acknowledged write 7 ms after it (p50; etcd 0.6 ms) and clients reading from
   * followers met "future revision" (issue 58). While later entries are unanswered, their
   * appends carry it instead, so writes in a pipeline send no extra message.
   */
  private commitDue = false;

  private readonly heartbeatTicks: number;
  private readonly electionTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxMsgBytes: number;
  private readonly maxInflight: number;
  private readonly maxUncommittedBytes: number;
  private readonly random: (n: number) => number;
  private readonly logger: RaftLogger;
  private readonly unsafe: UnsafeTestingOptions;

  constructor(config: Config, initial: InitialState) {
    if (config.heartbeatTicks <= 0 || config.electionTicks <= config.heartbeatTicks) {
      throw new Error('raft: need 0 < heartbeatTicks < electionTicks');
    }
    this.id = config.id;
    this.heartbeatTicks = config.heartbeatTicks;
    this.electionTicks = config.electionTicks;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxMsgBytes = config.maxMsgBytes ?? 1 << 20;
    this.maxInflight = config.maxInflight ?? 256;
    this.maxUncommittedBytes = config.maxUncommittedBytes ?? 64 << 20;
    this.random = config.random;
    this.logger = config.logger ?? SILENT;
    this.unsafe = config.unsafe ?? {};
    this.readOnly = new ReadOnlyQueue(this.unsafe.releaseReadsOnStaleConfirmation === true);

    this.nonVoting = config.nonVoting === true;
    this.repairing = initial.repairing === true && config.unsafe?.ignoreRepair !== true;
    this.repairId = this.repairing ? 1 + this.random(0x7fffffff) : 0;
    this.termProbe = this.repairing ? new TermProbe(this.repairId, initial.voteLost === true) : undefined;
    // A member repairing its log is not new, however little of it survived: it must not found a cluster.
    const founding = isFresh(initial) && !this.repairing ? foundingEntries(initial.bootstrap) : [];
    const snapshot = initial.snapshot ?? { index: 0, term: 0, conf: NO_CONF };
    const hard = founding.length > 0 ? { term: 1, vote: '', commit: founding.length } : (initial.hardState ?? { term: 0, vote: '', commit: 0 });
    const entries = founding.length > 0 ? founding : (initial.entries ?? EMPTY);
    const applied = appliedWithin(initial.applied ?? snapshot.index, snapshot.index + entries.length);
    // What the host applied was committed, even if the commit index it recorded is older. A
    // repaired log may end before the commit index its (older) hard state recorded.
    const commit = Math.max(hard.commit, applied);
    this.log = new RaftLog(snapshot, entries, this.repairing ? Math.min(commit, snapshot.index + entries.length) : commit, applied);
    if (founding.length > 0) {
      // The founding membership must reach the disk like any entry.
      this.log.stable = 0;
      this.log.unstableFrom = 1;
    }
    this.conf = snapshot.conf;
    this.confIndex = snapshot.index;
    this.replayCommittedConfChanges();
    this.term = hard.term;
    this.vote = hard.vote;
    this.becomeFollower(this.term, '');
  }

  /**
   * Membership changes committed before a restart take effect at once, so that the node never
   * campaigns with a stale membership: those after the snapshot that the host applied already
   * (the snapshot's membership predates them) as well as those it will be handed again.
   */
  private replayCommittedConfChanges(): void {
    for (let i = this.confIndex + 1; i <= this.log.committed; i++) {
      const e = this.log.entry(i);
      if (e?.type === 'conf-change') this.applyConfEntry(e);
    }
  }

  // ---------------------------------------------------------------- membership helpers

  isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id);
  }

  private isMember(id: NodeId): boolean {
    return this.isVoter(id) || this.conf.learners.includes(id);
  }

  /** Only voters can campaign; a learner, a read replica, a removed node or one repairing its log never does. */
  private promotable(): boolean {
    return this.isVoter(this.id) && !this.nonVoting && !this.repairing && this.termProbe === undefined;
  }

  private matchOf = (id: NodeId): number => {
    if (id === this.id) return this.log.stable;
    return this.progress.get(id)?.match ?? 0;
  };

  // ---------------------------------------------------------------- outbox

  private send(type: MessageType, to: NodeId, fields: MessageFields = {}): void {
    const repair = fields.repair ?? this.repairMark(type, to);
    const m: Message = {
      type,
      from: this.id,
      to,
      term: fields.term ?? this.term,
      logTerm: fields.logTerm ?? 0,
      index: fields.index ?? 0,
      entries: fields.entries ?? EMPTY,
      commit: fields.commit ?? 0,
      reject: fields.reject ?? false,
      rejectHint: fields.rejectHint ?? 0,
      ...(fields.transfer ? { transfer: true } : {}),
      ...(repair !== 0 ? { repair } : {}),
      ...(fields.snapshot ? { snapshot: fields.snapshot } : {}),
      ...(fields.context ? { context: fields.context } : {}),
    };
    if (SEND_AT_ONCE.has(type)) this.msgs.push(m);
    else this.msgsAfterPersist.push(m);
  }

  /**
   * Whether a message says something about repair: a repairing follower marks every answer to
   * the leader; the leader marks appends and heartbeats to a follower it has repaired.
   */
  private repairMark(type: MessageType, to: NodeId): number {
    if (type === 'app-resp' || type === 'heartbeat-resp') return this.repairing ? this.repairId : 0;
    if (type === 'term-probe') return this.termProbe?.id ?? 0;
    if (type !== 'app' && type !== 'heartbeat') return 0;
    const pr = this.progress.get(to);
    return pr?.repair === 'repaired' ? pr.repairId : 0;
  }

  // ---------------------------------------------------------------- role transitions

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = '';
      // Acknowledgements of an older term not yet handed out may promise entries this new term's
      // leader is about to overwrite before anything reaches the disk: they would go out, after
      // the persist, for entries the disk never held. Dropping them is what a lossy network does.
      this.msgsAfterPersist = this.msgsAfterPersist.filter((m) => m.type !== 'app-resp' || m.term >= term);
    }
    this.leader = '';
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + this.random(electionSpread(this.electionTicks));
    this.leadTransferee = '';
    this.votes.clear();
    this.readOnly.clear();
    this.pendingReads = [];
    this.uncommittedBytes = 0;
    this.pendingConfIndex = 0;
    this.needsFlush = false;
    this.campaignAfterConfChange = false;
    this.resetProgress();
  }

  private resetProgress(): void {
    this.progress.clear();
    const next = this.log.lastIndex() + 1;
    for (const id of this.conf.voters) this.progress.set(id, new Progress(next, this.maxInflight, false));
    for (const id of this.conf.learners) this.progress.set(id, new Progress(next, this.maxInflight, true));
  }

  becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    checkInvariant(this.role !== 'leader', 'role-transition', () => `${this.id}: a leader cannot become a pre-candidate (term ${this.term})`);
    // A pre-candidate changes neither term nor vote: that is the point of pre-vote.
    this.role = 'pre-candidate';
    this.leader = '';
    this.votes.clear();
  }

  private becomeCandidate(): void {
    checkInvariant(this.role !== 'leader', 'role-transition', () => `${this.id}: a leader cannot become a candidate (term ${this.term})`);
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    checkInvariant(this.role === 'candidate', 'role-transition', () => `${this.id}: only a candidate becomes leader, not a ${this.role} (term ${this.term})`);
    checkInvariant(this.vote === this.id, 'leader-voted-for-itself', () => `${this.id} leads term ${this.term} having voted for ${this.vote || 'no one'}`);
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.quickRetries = 0;
    this.quickSplitRetries = 0;
    // Any membership change still in the log may be uncommitted: allow no new one until it is applied.
    this.pendingConfIndex = this.log.lastIndex();
    this.termStartIndex = this.log.lastIndex() + 1;
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = true;
    this.logger.info('became leader', { id: this.id, term: this.term });
    if (!this.unsafe.commitPreviousTermByCount) {
      // The no-op of the new term: committing it commits every earlier entry (§5.4.2).
      this.appendEntries([{ term: this.term, index: this.log.lastIndex() + 1, type: 'noop', data: new Uint8Array(0) }]);
    } else {
      this.needsFlush = true;
    }
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    this.tickTermProbe();
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      // A follower that stopped hearing from its leader starts an outage: an ignored pre-vote and
      // a split vote are retried soon.
      if (this.role === 'follower') {
        this.quickRetries = QUICK_PRE_VOTE_RETRIES;
        this.quickSplitRetries = QUICK_PRE_VOTE_RETRIES;
      }
      this.hup(false);
      // In an outage, members that have not noticed yet ignore the pre-vote while they still
      // trust the leader, and two followers that noticed at once can split the vote: ask again
      // soon (randomized), not after a whole election timeout.
      if ((this.role === 'pre-candidate' || this.role === 'candidate') && this.quickRetries > 0) {
        this.quickRetries--;
        this.campaignSoon();
      }
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks > 10 * this.electionTicks) {
        pr.becomeProbe();
        this.needsFlush = true;
      }
    }
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        this.logger.warn('stepping down: no quorum heard within an election timeout', { id: this.id, term: this.term });
        this.becomeFollower(this.term, '');
        return;
      }
      if (this.leadTransferee !== '') this.leadTransferee = '';
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.nextReadRound());
    }
    this.releaseLingeringCommit();
  }

  /** Lets commit-only appends go out now, to every follower that has not been told the commit index. */
  private releaseLingeringCommit(): void {
    for (const [id, pr] of this.progress) {
      if (id !== this.id && pr.sentCommit < this.log.committed) {
        this.commitDue = true;
        this.needsFlush = true;
        return;
      }
    }
  }

  /** Check-quorum: whether a majority was heard from since the last round; resets the marks. */
  private quorumActive(): boolean {
    const active = hasQuorum(this.conf.voters, (id) => id === this.id || this.progress.get(id)?.recentActive === true);
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      pr.activeLastRound = pr.recentActive;
      pr.recentActive = false;
    }
    return active;
  }

  // ---------------------------------------------------------------- elections

  /** Starts an election (after a pre-vote round unless `transfer`), if this node may. */
  hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.hasUnappliedConfChange()) {
      // Campaigning now would count votes in a stale membership. A transfer request is kept
      // until the change is applied (the removed leader's hand-off arrives just before it).
      this.logger.debug('not campaigning yet: a committed membership change is not applied', { id: this.id });
      if (transfer) this.campaignAfterConfChange = true;
      return;
    }
    this.campaign(this.preVote && !transfer ? 'pre-vote' : 'vote', transfer);
  }

  private hasUnappliedConfChange(): boolean {
    for (let i = this.confIndex + 1; i <= this.log.committed; i++) {
      if (this.log.entry(i)?.type === 'conf-change') return true;
    }
    return false;
  }

  private campaign(kind: 'pre-vote' | 'vote', transfer: boolean): void {
    if (kind === 'pre-vote') this.becomePreCandidate();
    else this.becomeCandidate();
    const term = kind === 'pre-vote' ? this.term + 1 : this.term;
    this.logger.debug('campaigning', { id: this.id, kind, term, timeoutTicks: this.randomizedElectionTimeout });
    this.votes.set(this.id, true);
    if (voteResult(this.conf.voters, this.votes) === 'won') {
      if (kind === 'pre-vote') this.campaign('vote', false);
      else this.becomeLeader();
      return;
    }
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send(kind, id, { term, index: this.log.lastIndex(), logTerm: this.log.lastTerm(), transfer });
    }
  }

  /** A follower that heard from a live leader within the election timeout ignores disruptive elections. */
  private inLease(): boolean {
    return this.checkQuorum && this.leader !== '' && this.electionElapsed < this.electionTicks;
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
    // A repairing member may have lost a vote it cast and entries it acknowledged: it grants nothing.
    // A read replica never votes, even if an operator's mistake made it a voter.
    const canVote =
      !this.nonVoting &&
      !this.repairing &&
      this.termProbe === undefined &&
      (this.vote === m.from ||
      (this.vote === '' && this.leader === '') ||
      (m.type === 'pre-vote' && m.term > this.term) ||
      (this.unsafe.voteTwicePerTerm === true && m.type === 'vote' && this.role !== 'leader'));
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // The grant carries the term it grants for; for a pre-vote that is a future term.
      this.send(respType, m.from, { term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.logger.debug('refusing a vote', { id: this.id, kind: m.type, from: m.from, term: m.term, vote: this.vote, leader: this.leader });
      this.send(respType, m.from, { term: this.term, reject: true });
    }
  }

  private handleVoteResponse(m: Message): void {
    const expected = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
    if (m.type !== expected) return;
    this.votes.set(m.from, !m.reject);
    const result = voteResult(this.conf.voters, this.votes);
    if (result === 'won') {
      if (this.role === 'pre-candidate') this.campaign('vote', false);
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.logger.debug('lost the election', { id: this.id, role: this.role, term: this.term });
      this.becomeFollower(this.term, '');
    } else if (m.reject && this.role === 'candidate' && this.quickSplitRetries > 0) {
      // Two followers that noticed the leader gone at about the same time (its process died, or
      // their timeouts fell within a message delay of each other) granted each other's pre-vote:
      // a split vote, which would cost a whole election timeout. Try again soon, at a random
      // delay, a few times per outage; the voting rules do not change.
      this.quickSplitRetries--;
      this.campaignSoon();
    }

  }

  /**
   * The host saw its connection to the leader close (the leader's process died). Stop trusting
   * the leader at once and pre-vote after a short random delay instead of waiting out the
   * election timeout. Members whose own connection is still up keep refusing, so a live leader
   * is never deposed by this; the voting rules do not change.
   */
  leaderConnectionLost(): void {
    if (this.role !== 'follower' || this.leader === '') return;
    this.leader = '';
    this.quickRetries = QUICK_PRE_VOTE_RETRIES;
    this.quickSplitRetries = QUICK_PRE_VOTE_RETRIES;
    this.campaignSoon();
  }

  /**
   * A leader's heartbeats now, outside the tick: its host's turn ran past a heartbeat interval
   * (RawNode.heartbeatNow). No tick is counted, so check-quorum and the election clock are not
   * moved while the answers they would count wait unread.
   */
  heartbeatNow(): void {
    if (this.role !== 'leader') return;
    this.heartbeatElapsed = 0;
    this.bcastHeartbeat(this.nextReadRound());
  }

  /** Schedules a pre-vote within two heartbeats (randomized, so that followers do not collide). */
  private campaignSoon(): void {
    const delay = 1 + this.random(2 * this.heartbeatTicks);
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - delay);
  }

  // ---------------------------------------------------------------- message dispatch

  step(m: Message): void {
    if (m.type === 'term-probe' || m.type === 'term-probe-resp') {
      this.handleTermProbe(m);
      return;
    }
    if (!this.handleTerm(m)) return;
    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  /** Applies the term rules of §5.1 with pre-vote and check-quorum; returns whether to go on. */
  private handleTerm(m: Message): boolean {
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'pre-vote') && !m.transfer && this.inLease()) {
        this.logger.debug('ignoring a vote request: the leader is alive', { id: this.id, from: m.from, term: m.term });
        return false;
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-resp' && !m.reject)) return true;
      const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
      this.becomeFollower(m.term, fromLeader ? m.from : '');
      return true;
    }
    if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // Tell a stale leader about the newer term so it steps down (it may be cut off from votes).
        this.send('app-resp', m.from);
      } else if (m.type === 'pre-vote') {
        this.send('pre-vote-resp', m.from, { reject: true });
      }
      return false;
    }
    return true;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'app-resp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeat-resp':
        this.handleHeartbeatResponse(m);
        return;
      case 'read-index':
        if (m.context && this.readsWaiting() < MAX_PENDING_READS) this.handleReadRequest(m.context, m.from);
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'vote-resp':
      case 'pre-vote-resp':
        this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    if (this.repairing && m.repair === this.repairId && (m.type === 'app' || m.type === 'heartbeat')) this.finishRepair(m.from);
    switch (m.type) {
      case 'app':
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case 'timeout-now':
        this.logger.info('campaigning at the leader\'s request (leadership transfer)', { id: this.id, term: this.term });
        this.hup(true);
        return;
      case 'read-index-resp':
        if (m.context) this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  /**
   * The leader says this member holds its whole log again. Its vote in this term goes to that
   * leader (which has won it anyway), so that a vote it cast before the damage and lost is not
   * cast again in this term.
   */
  private finishRepair(leader: NodeId): void {
    this.repairing = false;
    if (this.vote === '') this.vote = leader;
    this.voteFloorTerm = this.term;
    this.logger.info('log repaired from the leader', { id: this.id, leader, term: this.term, lastIndex: this.log.lastIndex() });
    this.maybeEndTermProbe();
  }

  // ---------------------------------------------------------------- learning a safe term (term-probe.ts)

  /** Asks the other voters for their terms every heartbeat interval until enough have answered. */
  private tickTermProbe(): void {
    if (this.termProbe === undefined) return;
    this.maybeEndTermProbe();
    if (this.termProbe === undefined || ++this.termProbeElapsed < this.heartbeatTicks) return;
    this.termProbeElapsed = 0;
    for (const id of this.conf.voters) if (id !== this.id) this.send('term-probe', id);
  }

  /** Any member answers a probe with its term, whatever the terms: it changes nothing here. */
  private handleTermProbe(m: Message): void {
    if (m.type === 'term-probe') {
      this.send('term-probe-resp', m.from, { repair: m.repair ?? 0 });
      return;
    }
    this.termProbe?.record(m.from, m.term, m.repair ?? 0);
    this.maybeEndTermProbe();
  }

  /**
   * Once the log is whole again (so the membership is current) and enough voters answered, this
   * member moves to the highest term they reported and spends its vote there, unknown: it votes
   * again only in a later term.
   */
  private maybeEndTermProbe(): void {
    if (this.termProbe === undefined || this.repairing) return;
    const floor = this.termProbe.floor(this.id, this.conf.voters, this.term);
    if (floor === undefined) return;
    this.termProbe = undefined;
    if (floor > this.term) this.becomeFollower(floor, '');
    if (this.vote === '') this.vote = UNKNOWN_VOTE;
    this.voteFloorTerm = this.term;
    this.logger.info('learned a safe term from the other voters: votes again after it', { id: this.id, term: this.term });
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsed = 0;
    this.leader = leader;
    this.quickRetries = 0;
    this.quickSplitRetries = 0;
  }

  // ---------------------------------------------------------------- follower side of replication

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send('app-resp', m.from, { index: this.log.committed });
      return;
    }
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (last !== undefined) {
      this.send('app-resp', m.from, { index: last });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send('app-resp', m.from, { index: m.index, reject: true, rejectHint: hint, logTerm: this.log.term(hint) ?? 0 });
  }

  private handleHeartbeat(m: Message): void {
    // A heartbeat's commit index is capped by what the leader believes this member holds. A
    // repairing member's log may hold older, superseded entries where that belief is stale (its
    // damage took the records that replaced them), so while it repairs only appends, which check
    // that the log matches, move its commit index.
    if (!this.repairing) this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send('heartbeat-resp', m.from, m.context ? { context: m.context } : {});
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (!snap || !snap.data) return;
    const meta = snap.meta;
    if (meta.index <= this.log.committed) {
      this.send('app-resp', m.from, { index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry: just fast-forward commit.
      this.log.commitTo(meta.index);
      this.send('app-resp', m.from, { index: this.log.committed });
      return;
    }
    this.logger.info('restoring from a snapshot', { id: this.id, index: meta.index, term: meta.term });
    this.log.restore(snap);
    this.conf = meta.conf;
    this.confIndex = meta.index;
    this.resetProgress();
    this.send('app-resp', m.from, { index: meta.index });
  }

  // ---------------------------------------------------------------- leader side of replication

  private appendEntries(entries: Entry[]): void {
    this.log.append(entries);
    for (const e of entries) this.uncommittedBytes += e.data.length;
    this.needsFlush = true;
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr || !this.countsForRepair(m.from, pr, m)) return;
    pr.recentActive = true;
    if (m.reject) {
      const hint = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.needsFlush = true;
      }
      return;
    }
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
      else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
      if (pr.repair === 'repairing' && pr.match >= pr.repairTarget) {
        pr.repair = 'repaired';
        this.logger.info('follower repaired: it holds every entry it may have lost', { id: this.id, follower: m.from, match: pr.match });
      }
      this.maybeCommit();
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.send('timeout-now', m.from);
    }
    this.needsFlush = true;
  }

  private handleHeartbeatResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr || !this.countsForRepair(m.from, pr, m)) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // Free a slot so a window full of lost appends cannot stall the follower forever.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) {
      pr.probeDue = true;
      this.needsFlush = true;
    }
    if (m.context) this.handleReadAck(m.from, m.context);
  }

  /**
   * Protocol-aware repair, leader side; returns whether `m` may be counted. A follower that says
   * its disk lost entries stops counting for every entry until it acknowledges them again: its
   * match drops to 0, and answers it sent before the damage (unmarked) are ignored while it
   * repairs. It is repaired once it holds everything this log held when it said so: that covers
   * every entry its lost acknowledgements could have helped commit.
   */
  private countsForRepair(id: NodeId, pr: Progress, m: Message): boolean {
    if (m.repair !== undefined && m.repair !== 0) {
      // A late answer of the latest repair is still an answer given after that damage: it counts.
      // One of an earlier repair is not (the process that sent it may have lost entries since), and
      // must not start that repair again either: the follower, repaired, would never mark its
      // answers with that number, and the leader would ignore it for good (sim seed 8356).
      if (pr.supersededRepairIds.includes(m.repair)) return false;
      if (m.repair !== pr.repairId) {
        if (pr.repairId !== 0) rememberSuperseded(pr, pr.repairId);
        pr.repairId = m.repair;
        pr.repair = 'repairing';
        pr.repairTarget = this.log.lastIndex();
        pr.match = 0;
        pr.becomeProbe();
        pr.next = this.log.lastIndex() + 1;
        this.needsFlush = true;
        this.logger.warn('follower is repairing a damaged log: its earlier acknowledgements no longer count', { id: this.id, follower: id, upTo: pr.repairTarget });
      }
      return true;
    }
    if (pr.repair === 'repairing') return false;
    if (pr.repair === 'repaired') pr.repair = 'none';
    return true;
  }

  /** Sends every follower what it lacks, as far as its flow-control window allows. Batches all proposals since the last call. */
  flushAppends(): void {
    if (this.role !== 'leader' || !this.needsFlush) return;
    this.needsFlush = false;
    for (const id of this.progress.keys()) {
      if (id === this.id) continue;
      let sendEmpty = true;
      while (this.maybeSendAppend(id, sendEmpty)) sendEmpty = false;
    }
    this.commitDue = false;
  }

  /** Sends one append (or a snapshot) to `to`; returns whether anything was sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = prevTerm === undefined ? undefined : this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxMsgBytes);
    if (entries === undefined) return this.maybeSendSnapshot(to, pr);
    if (entries.length === 0) {
      // An empty append probes a follower's log, or tells it a newer commit index.
      const owesCommit = this.commitDue && pr.sentCommit < this.log.committed;
      if (!sendIfEmpty || (pr.state === 'replicate' && !owesCommit && !pr.probeDue)) return false;
    }
    pr.probeDue = false;
    this.send('app', to, { index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentCommit = this.log.committed;
    pr.sentEntries(prevIndex + entries.length, entries.length);
    return entries.length > 0;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const meta = this.log.snapshot;
    this.logger.info('sending a snapshot', { id: this.id, to, index: meta.index });
    this.send('snap', to, { snapshot: { meta } });
    pr.becomeSnapshot(meta.index);
    return false;
  }

  private bcastHeartbeat(context: Uint8Array | undefined): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send('heartbeat', id, context ? { commit, context } : { commit });
    }
  }

  /** Advances commit to what a majority holds, counting only entries of this term (Figure 8). */
  maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const index = committedIndex(this.conf.voters, this.matchOf);
    if (index <= this.log.committed) return false;
    if (!this.unsafe.commitPreviousTermByCount && this.log.term(index) !== this.term) return false;
    const from = this.log.committed;
    this.log.commitTo(index);
    this.onCommitted(from);
    return true;
  }

  private onCommitted(previous: number): void {
    if (this.log.committed === this.log.lastIndex()) this.commitDue = true;
    for (let i = previous + 1; i <= this.log.committed && this.uncommittedBytes > 0; i++) {
      this.uncommittedBytes = Math.max(0, this.uncommittedBytes - (this.log.entry(i)?.data.length ?? 0));
    }
    this.needsFlush = true;
    if (this.pendingReads.length > 0 && this.committedInTerm()) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.readOnly.add(r.context, this.log.committed, r.from);
      this.startReadRound();
    }
  }

  /** Whether an entry of this term is committed: only then is every earlier committed entry known committed here (§5.4.2). */
  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  // ---------------------------------------------------------------- proposals

  propose(data: readonly Uint8Array[]): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return { ok: false, error: refused };
    let bytes = 0;
    for (const d of data) bytes += d.length;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.maxUncommittedBytes) {
      return { ok: false, error: 'too-many-uncommitted' };
    }
    const firstIndex = this.log.lastIndex() + 1;
    const entries = new Array<Entry>(data.length);
    for (let i = 0; i < data.length; i++) entries[i] = { term: this.term, index: firstIndex + i, type: 'normal', data: data[i]! };
    this.appendEntries(entries);
    return { ok: true, firstIndex, term: this.term };
  }

  private refuseProposal(): RaftErrorCode | undefined {
    if (this.role !== 'leader') return 'not-leader';
    if (this.leadTransferee !== '') return 'transfer-in-progress';
    return undefined;
  }

  /**
   * Proposes a single-server membership change. With `ifConfIndex` the change is conditional (as
   * hashicorp/raft's prevIndex): refused unless the configuration in force is still the one made
   * at that index, so that a change checked against one membership is never applied to another.
   */
  proposeConfChange(cc: ConfChange, ifConfIndex?: number): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return { ok: false, error: refused };
    // One change at a time, and only once this term has committed an entry (the single-server
    // change bug Ongaro described in 2015: a new leader must not change membership first).
    if (this.confChangeBlocked()) return { ok: false, error: 'conf-change-pending' };
    if (ifConfIndex !== undefined && ifConfIndex !== this.confIndex) return { ok: false, error: 'conf-changed' };
    const next = applyConfChange(this.conf, cc);
    if (!next || next.voters.length === 0) return { ok: false, error: 'invalid-conf-change' };
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ term: this.term, index, type: 'conf-change', data: encodeConfChange(cc) }]);
    this.pendingConfIndex = index;
    return { ok: true, firstIndex: index, term: this.term };
  }

  /**
   * Whether a membership change would be refused now: one is pending, or this term has not
   * committed an entry yet (the single-server change bug Ongaro described in 2015).
   */
  confChangeBlocked(): boolean {
    return this.pendingConfIndex > this.log.applied || !this.committedInTerm();
  }

  /** Makes a committed membership change take effect (called as the entry is handed out for applying). */
  applyConfEntry(e: Entry): void {
    if (e.index <= this.confIndex) return;
    this.confIndex = e.index;
    const cc = decodeConfChange(e.data);
    const next = applyConfChange(this.conf, cc);
    if (!next) {
      this.logger.warn('ignoring an inapplicable membership change', { id: this.id, index: e.index, change: cc.type, node: cc.node });
      return;
    }
    this.conf = next;
    this.logger.info('membership changed', { id: this.id, index: e.index, voters: next.voters, learners: next.learners });
    if (this.role === 'leader') this.leaderConfChanged();
    if (this.campaignAfterConfChange && !this.hasUnappliedConfChange()) {
      this.campaignAfterConfChange = false;
      this.hup(true);
    }
  }

  private leaderConfChanged(): void {
    const next = this.log.lastIndex() + 1;
    for (const id of [...this.progress.keys()]) if (!this.isMember(id)) this.progress.delete(id);
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const learner = !this.isVoter(id);
      const pr = this.progress.get(id);
      if (pr) pr.learner = learner;
      else this.progress.set(id, new Progress(next, this.maxInflight, learner));
    }
    if (!this.isVoter(this.id)) {
      this.handOffAfterRemoval();
      return;
    }
    if (this.leadTransferee !== '' && !this.isVoter(this.leadTransferee)) this.leadTransferee = '';
    // A smaller quorum may already have confirmed waiting reads.
    this.releaseConfirmedReads();
    this.maybeCommit();
    this.needsFlush = true;
  }

  /** The leader was removed: ask the most caught-up voter to campaign now, then step down. */
  private handOffAfterRemoval(): void {
    let best: NodeId = '';
    let bestMatch = -1;
    for (const id of this.conf.voters) {
      const m = this.progress.get(id)?.match ?? 0;
      if (m > bestMatch) [best, bestMatch] = [id, m];
    }
    if (best !== '' && bestMatch === this.log.lastIndex()) this.send('timeout-now', best);
    this.logger.info('stepping down: removed from the membership', { id: this.id, handOffTo: best });
    this.becomeFollower(this.term, '');
  }

  // ---------------------------------------------------------------- leadership transfer

  transferLeader(to: NodeId): RaftErrorCode | undefined {
    if (this.role !== 'leader') return 'not-leader';
    if (to === this.id || !this.isVoter(to)) return 'invalid-transferee';
    if (this.leadTransferee === to) return undefined;
    this.leadTransferee = to;
    // The transfer must finish within one election timeout or it is abandoned.
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send('timeout-now', to);
    else this.needsFlush = true;
    return undefined;
  }

  // ---------------------------------------------------------------- linearizable reads

  readIndex(context: Uint8Array): RaftErrorCode | undefined {
    if (this.role === 'leader') {
      if (this.readsWaiting() >= MAX_PENDING_READS) return 'too-many-pending-reads';
      this.handleReadRequest(context, this.id);
      return undefined;
    }
    if (this.leader === '') return 'not-leader';
    this.send('read-index', this.leader, { context });
    return undefined;
  }

  /** Reads this leader holds: waiting for its term's first commit, or for a round's confirmation. */
  private readsWaiting(): number {
    return this.pendingReads.length + this.readOnly.size;
  }

  private handleReadRequest(context: Uint8Array, from: NodeId): void {
    // Until an entry of its term commits, the leader's commit index may fall short of what was
    // committed and answered before (by an earlier leader, or by itself before a crash lost the
    // commit index): the read waits, whatever the cluster size, a lone voter's included.
    if (!this.committedInTerm() && this.unsafe.readBeforeTermCommit !== true) {
      this.pendingReads.push({ context, from });
      return;
    }
    this.readOnly.add(context, this.log.committed, from);
    this.startReadRound();
  }

  /** Sends a heartbeat round for the waiting reads. A lone voter is its own quorum: its round is confirmed at once. */
  private startReadRound(): void {
    this.bcastHeartbeat(this.nextReadRound());
    this.releaseConfirmedReads();
  }

  /** The tag of a new heartbeat round when reads wait for one (a lost round is retried at the next heartbeat). */
  private nextReadRound(): Uint8Array | undefined {
    const round = this.readOnly.nextRound();
    return round === undefined ? undefined : encodeRound(this.term, round);
  }

  private handleReadAck(from: NodeId, tag: Uint8Array): void {
    const round = decodeRound(tag, this.term);
    if (round === undefined) return;
    this.readOnly.recvAck(from, round);
    this.releaseConfirmedReads();
  }

  private releaseConfirmedReads(): void {
    for (const read of this.readOnly.release(this.conf.voters, this.id)) this.releaseRead(read.context, read.index, read.from);
  }

  private releaseRead(context: Uint8Array, index: number, from: NodeId): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send('read-index-resp', from, { index, context });
  }

  // ---------------------------------------------------------------- transport feedback

  reportUnreachable(id: NodeId): void {
    const pr = this.progress.get(id);
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.progress.get(id);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    // On success, wait for the follower's append answer; either way, probe from what it now holds.
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = ok;
    this.needsFlush = true;
  }
}

/** Keeps the last few superseded repair ids of a follower (each restart with a damaged log adds one). */
function rememberSuperseded(pr: Progress, repairId: number): void {
  pr.supersededRepairIds.push(repairId);
  if (pr.supersededRepairIds.length > 8) pr.supersededRepairIds.shift();
}
