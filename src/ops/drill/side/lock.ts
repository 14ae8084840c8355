/**
 * The lock side workload (Jepsen's lock test): leases used as locks. Each client takes a lock,
 * holds it a little, and gives it back; the checker then asks two questions of the history: did
 * two holders ever count on one lock at the same time, and did each new holder get a larger
 * fencing token than the ones before it? What a holder may count on is its window: from the
 * moment it learned of the grant to the moment it sent its release, and never past its ttl
 * counted from before it sent the acquire (the registry starts the ttl later, so this is safe).
 */
import type { FleetClient } from '../../../client/index.js';
import { nsToMs, pause, type DrillClock } from '../clock.js';
import { errorLabel, writeOutcome } from '../register-client.js';
import type { Outcome } from '../types.js';
import { ClientLoops } from './client-loops.js';
import type { SideOp, SideVerdict, SideWorkload, SideWorkloadOptions } from './types.js';

/** What the lock workload needs of the cluster. Every method throws on failure (a FleetClientError for cluster answers). */
export interface LockClient {
  /** Takes the lock for `holder` for `ttlMs`, answering its fencing token; throws when another holds it (a FleetClientError with code FAILED_PRECONDITION for a cluster). */
  acquire(name: string, holder: string, ttlMs: number): Promise<{ token: number }>;
  release(name: string, holder: string, token: number): Promise<void>;
  close(): void;
}

/** A LockClient over FleetClient's leases. An acquire by the lease's live holder renews it and answers the same token. */
export function fleetLockClient(client: FleetClient): LockClient {
  return {
    acquire: async (name, holder, ttlMs) => ({ token: (await client.acquireLease(name, holder, ttlMs)).lease.token }),
    release: async (name, holder, token) => void (await client.releaseLease(name, holder, token)),
    close: () => client.close(),
  };
}

/** How the lock workload runs. */
export interface LockSettings {
  /** How many locks the clients contend for (default 2). */
  readonly locks?: number;
  /** Each lease's ttl (default 3000 ms): far longer than a hold, so only a stalled holder outlives it. */
  readonly ttlMs?: number;
  /** How long a holder keeps a lock, in ms, drawn uniformly from this range (default [20, 120]). */
  readonly holdMs?: readonly [number, number];
}

/** The wait after a definite refusal (the lock is held), drawn from this range: long enough not to spin, short enough to contend. */
const RETRY_MS: readonly [number, number] = [10, 40];

/** A running lock workload of one round. */
export function createLockWorkload(opts: SideWorkloadOptions<LockClient>, settings: LockSettings = {}): SideWorkload {
  return new LockWorkload(opts, { locks: settings.locks ?? 2, ttlMs: settings.ttlMs ?? 3_000, holdMs: settings.holdMs ?? [20, 120] });
}

/** The result of one recorded call: its value when it succeeded. */
type Settled<T> = { readonly outcome: 'ok'; readonly value: T } | { readonly outcome: Exclude<Outcome, 'ok'> };

/** What a client does after one turn: go on, wait before trying again, or go on under a new holder name. */
type Next = 'again' | 'back-off' | 'new-holder';

/**
 * Invariants: each client has one operation in flight; after an unknown outcome it never uses
 * its holder name again, because a grant it does not know of may exist under that name (it
 * expires by its ttl) — as Jepsen takes a fresh process after `info`.
 */
class LockWorkload implements SideWorkload {
  readonly name = 'lock' as const;
  readonly #opts: SideWorkloadOptions<LockClient>;
  readonly #settings: Required<LockSettings>;
  readonly #random: () => number;
  readonly #clock: DrillClock;
  readonly #ops: SideOp[] = [];
  readonly #loops = new ClientLoops<LockClient>();

  constructor(opts: SideWorkloadOptions<LockClient>, settings: Required<LockSettings>) {
    this.#opts = opts;
    this.#settings = settings;
    this.#random = opts.random ?? Math.random;
    this.#clock = opts.clock;
  }

  /** Starts every client; the locks need no setup (a lease exists once acquired). */
  async start(): Promise<void> {
    this.#loops.start(this.#opts.clients, this.#opts.newClient, (i, client) => this.#loop(i, client));
  }

  /** Stops the clients: a holder cuts its hold short and releases, then every client closes. */
  async stop(): Promise<void> {
    await this.#loops.stop();
  }

  /** Checks the history; there is nothing to read back, the acquires' answers are the evidence. */
  async verify(): Promise<SideVerdict> {
    const result = checkLock(this.#ops, this.#settings.ttlMs);
    const count = (keep: (op: SideOp) => boolean): number => this.#ops.filter(keep).length;
    return {
      name: 'lock',
      check: { name: 'lock', ok: result.ok, detail: result.detail, severity: 'safety' },
      ops: this.#ops.length,
      acknowledged: count((op) => op.f === 'acquire' && op.outcome === 'ok'),
      failed: count((op) => op.outcome === 'fail'),
      indeterminate: count((op) => op.outcome === 'info'),
      ...(result.anomaly === undefined ? {} : { anomaly: result.anomaly }),
    };
  }

  /** Nothing left to delete: stop() released what was held, and a lease left by an unknown outcome expires by itself. */
  async cleanup(): Promise<void> {}

  async #loop(index: number, client: LockClient): Promise<void> {
    let holder = `${this.#opts.prefix}/c${index}`;
    for (let incarnation = 1; !this.#loops.stopping; ) {
      const next = await this.#turn(index, client, this.#pickLock(), holder);
      if (next === 'new-holder') holder = `${this.#opts.prefix}/c${index}.${incarnation++}`;
      else if (next === 'back-off') await pause(this.#uniform(RETRY_MS), this.#loops.signal);
    }
  }

  /** One acquire and, when granted, a hold and a release. */
  async #turn(index: number, client: LockClient, lock: string, holder: string): Promise<Next> {
    const acquired = await this.#record(index, 'acquire', lock, holder, () => client.acquire(lock, holder, this.#settings.ttlMs), (grant) => grant.token);
    if (acquired.outcome !== 'ok') return acquired.outcome === 'fail' ? 'back-off' : 'new-holder';
    // Stopping cuts the hold short (the pause returns at once) but still releases: holders give their locks back on stop.
    await pause(this.#uniform(this.#settings.holdMs), this.#loops.signal);
    const { token } = acquired.value;
    const released = await this.#record(index, 'release', lock, { holder, token }, () => client.release(lock, holder, token), () => null);
    // A release that may not have applied leaves the lease held under this name until its ttl: a later acquire would renew it.
    return released.outcome === 'info' ? 'new-holder' : 'again';
  }

  /** Runs one call and records it as a SideOp: ok, a definite refusal (`fail`) or unknown (`info`). */
  async #record<T>(client: number, f: string, key: string, input: unknown, call: () => Promise<T>, output: (value: T) => unknown): Promise<Settled<T>> {
    const startNs = this.#clock.nowNs();
    try {
      const value = await call();
      this.#ops.push({ client, f, key, input, output: output(value), outcome: 'ok', startNs, endNs: this.#clock.nowNs() });
      return { outcome: 'ok', value };
    } catch (err) {
      const outcome = writeOutcome(err);
      this.#ops.push({ client, f, key, input, output: null, outcome, startNs, endNs: this.#clock.nowNs(), error: errorLabel(err) });
      return { outcome };
    }
  }

  #pickLock(): string {
    return `${this.#opts.prefix}/lock-${Math.floor(this.#random() * this.#settings.locks)}`;
  }

  #uniform([low, high]: readonly [number, number]): number {
    return low + this.#random() * (high - low);
  }
}

/** The time one granted acquire let its holder count on the lock. */
interface Window {
  readonly acquire: SideOp;
  readonly holder: string;
  readonly token: number;
  readonly startNs: number;
  readonly endNs: number;
  /** The release that ended the window, when it came before the ttl did. */
  readonly release?: SideOp | undefined;
}

/** The lock checker's verdict. */
export interface LockCheck {
  readonly ok: boolean;
  readonly detail: string;
  readonly anomaly?: { readonly summary: string; readonly ops: SideOp[] };
}

/**
 * Checks a lock history, lock by lock: no two grants' windows overlap (two holders at once), and
 * taken in the order of their windows, each new holder's token is larger than every earlier
 * one's. The same holder answered the same token again is a renewal of one grant, not a new
 * one. Only ok acquires make windows: a refused one took nothing, and an unknown one left its
 * holder unaware of any grant (the workload never uses that holder name again).
 */
export function checkLock(ops: readonly SideOp[], ttlMs: number): LockCheck {
  const byLock = new Map<string, SideOp[]>();
  for (const op of ops) {
    const lockOps = byLock.get(op.key);
    if (lockOps === undefined) byLock.set(op.key, [op]);
    else lockOps.push(op);
  }
  let grants = 0;
  let late = 0;
  for (const [lock, lockOps] of [...byLock].sort(([a], [b]) => a.localeCompare(b))) {
    const { windows, granted } = windowsOf(lockOps, ttlMs * 1e6);
    grants += granted;
    late += granted - new Set(windows.map(grantId)).size;
    const anomaly = twoHolders(lock, windows) ?? fencingViolation(lock, windows);
    if (anomaly !== undefined) return { ok: false, detail: anomaly.summary, anomaly };
  }
  const lateNote = late === 0 ? '' : ` (${plural(late, 'grant')} answered too late to count)`;
  return { ok: true, detail: `${plural(byLock.size, 'lock')}, ${plural(grants, 'grant')}${lateNote}, 0 overlapping holders, tokens increasing` };
}

/**
 * The windows of one lock's ok acquires, oldest first, and how many distinct grants they were.
 * A window ends at the first release its holder sent of that token, or at the ttl counted from
 * the acquire's start. An acquire answered after that has no window: its holder could not
 * count on the lock at all, and the registry may rightly have granted it to another meanwhile.
 */
function windowsOf(ops: readonly SideOp[], ttlNs: number): { windows: Window[]; granted: number } {
  const releases = ops.filter((op) => op.f === 'release').sort((a, b) => a.startNs - b.startNs);
  const windows: Window[] = [];
  const grants = new Set<string>();
  for (const acquire of ops) {
    if (acquire.f !== 'acquire' || acquire.outcome !== 'ok' || typeof acquire.input !== 'string' || typeof acquire.output !== 'number') continue;
    const holder = acquire.input;
    const token = acquire.output;
    grants.add(grantId({ holder, token }));
    const release = releases.find((op) => op.startNs >= acquire.endNs && isReleaseOf(op.input, holder, token));
    const expiresNs = acquire.startNs + ttlNs;
    const endNs = Math.min(expiresNs, release?.startNs ?? Infinity);
    if (endNs <= acquire.endNs) continue;
    windows.push({ acquire, holder, token, startNs: acquire.endNs, endNs, release: release !== undefined && release.startNs < expiresNs ? release : undefined });
  }
  return { windows: windows.sort((a, b) => a.startNs - b.startNs), granted: grants.size };
}

/** The first window that began while a different grant's window was still open, as an anomaly. */
function twoHolders(lock: string, windows: readonly Window[]): LockCheck['anomaly'] {
  let open: Window[] = [];
  for (const w of windows) {
    open = open.filter((o) => o.endNs > w.startNs);
    const other = open.find((o) => grantId(o) !== grantId(w));
    if (other !== undefined) {
      const earlier = `${holderOf(other)} held ${lock} (token ${other.token}) from ${at(other.startNs)} to ${at(other.endNs)}${endedBy(other)}`;
      const later = `${holderOf(w)} held it (token ${w.token}) from ${at(w.startNs)} to ${at(w.endNs)}`;
      return { summary: `${earlier} while ${later}: two holders at once`, ops: evidence(other, w) };
    }
    open.push(w);
  }
  return undefined;
}

/**
 * The first new grant whose token is not larger than an earlier grant's, as an anomaly.
 * Windows of a correct lock never overlap, so their order is the order the registry granted
 * them in, which is the order of their tokens.
 */
function fencingViolation(lock: string, windows: readonly Window[]): LockCheck['anomaly'] {
  let highest: Window | undefined;
  for (const w of windows) {
    if (highest === undefined || w.token > highest.token) highest = w;
    else if (grantId(w) !== grantId(highest)) {
      const earlier = `${holderOf(highest)} held it with token ${highest.token} from ${at(highest.startNs)}`;
      const summary = `${holderOf(w)} was granted ${lock} with token ${w.token} at ${at(w.startNs)}, after ${earlier}: fencing tokens must grow with each new holder`;
      return { summary, ops: evidence(highest, w) };
    }
  }
  return undefined;
}

/** The operations that show a finding about two windows: both acquires and the earlier one's release, oldest first. */
function evidence(earlier: Window, later: Window): SideOp[] {
  const ops = [earlier.acquire, later.acquire, ...(earlier.release === undefined ? [] : [earlier.release])];
  return ops.sort((a, b) => a.startNs - b.startNs);
}

/** One grant: a holder and its token (a renewal answers the same pair). */
function grantId(w: { readonly holder: string; readonly token: number }): string {
  return `${w.token} ${w.holder}`;
}

function isReleaseOf(input: unknown, holder: string, token: number): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const r = input as { holder?: unknown; token?: unknown };
  return r.holder === holder && r.token === token;
}

/** A holder's name without the round's prefix (`c3`, `c3.1`): the prefix is the lock's too. */
function holderOf(w: Window): string {
  return w.holder.slice(w.holder.lastIndexOf('/') + 1);
}

function endedBy(w: Window): string {
  return w.release === undefined ? ' (when its ttl ran out)' : ' (when it released)';
}

function at(ns: number): string {
  return `${nsToMs(ns)} ms`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
