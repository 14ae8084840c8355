/**
 * Linearizable reads, batched: every read that arrives while a ReadIndex round is in flight
 * joins the next round, so one heartbeat round confirms any number of reads.
 */
export interface PendingRead {
  readonly run: (index: number) => void;
  readonly fail: (err: Error) => void;
}

const utf8 = new TextEncoder();

/** One ReadIndex round: its reads, and the read index once the leader confirmed it. */
interface Round {
  readonly context: Uint8Array;
  readonly reads: PendingRead[];
  index: number | undefined;
}

/**
 * The rounds in flight and the reads waiting for the next one. A round's context names the
 * member, this run of it and the round: a confirmation meant for another member, for an
 * earlier run (delivered late after a restart) or for an earlier round never matches.
 */
export class ReadQueue {
  private waiting: PendingRead[] = [];
  private readonly rounds = new Map<string, Round>();
  private seq = 0;
  private readonly prefix: string;

  /** `incarnation` must differ between runs of the member: a random number drawn at start-up. */
  constructor(memberId: string, incarnation: number) {
    this.prefix = `${memberId}/${incarnation.toString(36)}/`;
  }

  enqueue(read: PendingRead): void {
    this.waiting.push(read);
  }

  /** Starts a round for the waiting reads, unless a round is already in flight or none wait. */
  nextRound(): Uint8Array | undefined {
    if (this.waiting.length === 0 || this.rounds.size > 0) return undefined;
    const context = utf8.encode(`${this.prefix}${++this.seq}`);
    this.rounds.set(key(context), { context, reads: this.waiting, index: undefined });
    this.waiting = [];
    return context;
  }

  /** The leader confirmed the round tagged `context` at `index`. */
  confirmed(context: Uint8Array, index: number): void {
    const round = this.rounds.get(key(context));
    if (round) round.index = index;
  }

  /** Serves every confirmed round whose read index has been applied. */
  serve(applied: number): void {
    for (const [k, round] of this.rounds) {
      if (round.index === undefined || round.index > applied) continue;
      this.rounds.delete(k);
      for (const r of round.reads) r.run(round.index);
    }
  }

  /** Fails every read (the round was lost: no leader, a leader change, shutdown). */
  failAll(err: Error): void {
    const reads = [...this.waiting];
    for (const round of this.rounds.values()) reads.push(...round.reads);
    this.waiting = [];
    this.rounds.clear();
    for (const r of reads) r.fail(err);
  }

  /** Rounds not confirmed: they may have been dropped, so they are failed after a deadline. */
  get inFlight(): number {
    return this.rounds.size;
  }
}

function key(context: Uint8Array): string {
  return Buffer.from(context).toString('hex');
}
