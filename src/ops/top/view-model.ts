/**
 * TopViewModel: the `fleet top` session. It polls the members and the registry at an interval
 * (never two polls at once, every call under a deadline), derives the figures and the event
 * timeline, runs the operator's actions, and publishes an immutable TopState to subscribers
 * after every change. The ink components only read that state and call the actions.
 */
import type { EndpointStatus, MemberStatus, WatchRegistry } from '../../client/index.js';
import { FleetClientError } from '../../client/errors.js';
import { buildStatusModel, type StatusModel, type StatusThresholds } from '../status.js';
import { bannerOf, highestCommit, nextDownSince, rateBetween, statusById, topMembers, trimSamples, windowRate, type CommitSample } from './derive.js';
import { eventsBetween, type NewEvent, type Observation } from './events.js';
import { ChangeFollower } from './change-follower.js';
import { unavailableEvent } from './changes.js';
import { MAX_EVENTS, RATE_SAMPLES, type RegistryPanel, type TopAction, type TopEvent, type TopState } from './model.js';
import { Poller, systemClock, withDeadline, type Clock, type Settled } from './poller.js';
import { REGISTRY_READ, type ProbeMore, type TopSource } from './source.js';
import { formatBytes } from '../../common/units.js';
import { naturalCompare } from '../natural-order.js';

/** How a session is set up. */
export interface TopViewModelOptions {
  readonly source: TopSource;
  readonly intervalMs: number;
  /** The deadline of every call of a poll. */
  readonly callDeadlineMs: number;
  readonly target: { readonly context: string | null; readonly endpoints: readonly string[] };
  readonly readonly?: boolean;
  readonly clock?: Clock;
  readonly probeMore?: ProbeMore;
  /** A cluster not seen for this long counts as stale (default 15 minutes). */
  readonly staleAfterMs?: number;
  readonly thresholds?: StatusThresholds;
  /** Follow these registries' changes into the timeline while live (`start()`); absent, top only polls. */
  readonly changes?: { readonly registries: readonly WatchRegistry[]; readonly flushMs?: number };
}

/** What the dashboard's components may call: the state, its changes, and the actions. */
export interface TopHandle {
  getState(): TopState;
  subscribe(listener: () => void): () => void;
  togglePause(): void;
  transfer(to: string): Promise<void>;
  snapshot(): Promise<void>;
}

/** Stale clusters are counted up to this many (beyond, the panel says "100+"): a poll every second must stay cheap on a large registry. */
const STALE_COUNT_CAP = 100;
/** A requested transfer is matched with a new leader for this long. */
const TRANSFER_MATCH_MS = 15_000;
/**
 * A poll's own deadline is this many times the client's call deadline, so the client answers
 * first (a slow member comes back as that one member timing out, not as the whole poll lost),
 * even when the event loop lags on a busy machine.
 */
const DEADLINE_FACTOR = 2;
/** Actions wait for the leader at least this long, whatever the poll deadline. */
const ACTION_DEADLINE_MS = 10_000;

type RegistryRead = Omit<RegistryPanel, 'readAt' | 'error' | 'staleAfterMs'>;

/** A dashboard session. Invariants: one poll at a time; `events` only grow (up to MAX_EVENTS), in time order, and each new one gets a higher `seq`. */
export class TopViewModel implements TopHandle {
  readonly #opts: TopViewModelOptions;
  readonly #clock: Clock;
  readonly #poller: Poller;
  readonly #listeners = new Set<() => void>();
  #state: TopState;
  #prev: Observation | undefined;
  #lastLeader: { id: string; term: number } | null = null;
  #leaderSince: number | null = null;
  #transfer: { to: string; at: number } | null = null;
  #downSince = new Map<string, number>();
  #samples: CommitSample[] = [];
  #seq = 0;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #changes: ChangeFollower | null;
  #heldChanges: NewEvent[] = [];

  constructor(opts: TopViewModelOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#poller = new Poller({ task: () => this.#poll(), intervalMs: opts.intervalMs, clock: this.#clock });
    this.#state = initialState(opts);
    this.#changes = this.#changeFollower();
  }

  /** A paused screen keeps still: changes that arrive meanwhile wait for the resume. */
  #changesArrived(events: readonly NewEvent[]): void {
    if (this.#state.paused) this.#heldChanges = [...this.#heldChanges, ...events].slice(-MAX_EVENTS);
    else this.#publish({ events: this.#appended(events) });
  }

  #changeFollower(): ChangeFollower | null {
    const { source, changes } = this.#opts;
    if (changes === undefined || source.watch === undefined) return null;
    return new ChangeFollower({
      open: (o) => source.watch!(o),
      registries: changes.registries,
      clock: this.#clock,
      emit: (events) => this.#changesArrived(events),
      ...(changes.flushMs === undefined ? {} : { flushMs: changes.flushMs }),
    });
  }

  getState(): TopState {
    return this.#state;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts polling at the interval, the first poll at once, and following the registries' changes. */
  start(): void {
    this.#poller.start();
    if (this.#changes !== null) this.#changes.start();
    else if (this.#opts.changes !== undefined) this.#publish({ events: this.#appended([unavailableEvent(this.#clock.now(), 'this target has no change stream')]) });
  }

  /** Stops polling and the watch; resolves once a poll in flight has finished. */
  async stop(): Promise<void> {
    await Promise.all([this.#poller.stop(), this.#changes?.stop()]);
  }

  /** One poll now (for `--once`); resolves with the state it produced. */
  async pollOnce(): Promise<TopState> {
    await this.#poller.runNow();
    return this.#state;
  }

  /** Pauses polling (the screen keeps the last state) or resumes it with a poll at once. */
  togglePause(): void {
    const paused = !this.#state.paused;
    if (paused) void this.#poller.stop();
    else this.#poller.start();
    const held = paused ? [] : this.#heldChanges.splice(0);
    this.#publish({ paused, events: this.#appended(held) });
  }

  /** Asks the leader to hand leadership to `to`; refused in a read-only session. */
  async transfer(to: string): Promise<void> {
    if (this.#refused('transfer')) return;
    const from = this.#state.header.leader;
    this.#transfer = { to, at: this.#clock.now() };
    this.#act('transfer', 'running', `transferring leadership ${from ?? '?'} → ${to}…`);
    const r = await withDeadline(() => this.#opts.source.transferLeader(to), this.#actionDeadline(), this.#clock);
    if (r.ok) this.#act('transfer', 'done', `transfer accepted: ${r.value.from} → ${r.value.to} in ${Math.round(r.value.tookMs)}ms`);
    else this.#actionFailed('transfer', `transfer to ${to} failed: ${r.error}`);
    this.#refreshSoon();
  }

  /** Asks the leader to take a snapshot now; refused in a read-only session. */
  async snapshot(): Promise<void> {
    if (this.#refused('snapshot')) return;
    this.#act('snapshot', 'running', `taking a snapshot on the leader${this.#state.header.leader === null ? '' : ` ${this.#state.header.leader}`}…`);
    const r = await withDeadline(() => this.#opts.source.takeSnapshot(), this.#actionDeadline(), this.#clock);
    if (r.ok) this.#act('snapshot', 'done', `snapshot taken at index ${r.value.index} (term ${r.value.term}, ${formatBytes(r.value.bytes)})`);
    else this.#actionFailed('snapshot', `snapshot failed: ${r.error}`);
    this.#refreshSoon();
  }

  #refused(kind: TopAction['kind']): boolean {
    if (this.#opts.readonly !== true) return false;
    this.#act(kind, 'refused', `read-only session: ${kind} refused (started with --readonly)`);
    return true;
  }

  #actionDeadline(): number {
    return Math.max(ACTION_DEADLINE_MS, this.#opts.callDeadlineMs);
  }

  #act(kind: TopAction['kind'], state: TopAction['state'], text: string): void {
    this.#publish({ action: { kind, state, text, at: this.#clock.now() } });
  }

  #actionFailed(kind: TopAction['kind'], text: string): void {
    if (kind === 'transfer') this.#transfer = null;
    this.#act(kind, 'failed', text);
    this.#publish({ events: this.#appended([{ at: this.#clock.now(), kind: 'action-failed', text }]) });
  }

  /** The outcome of an action shows in the next poll; do not wait a whole interval for it (unless paused). */
  #refreshSoon(): void {
    if (!this.#state.paused) void this.#poller.runNow();
  }

  // -------------------------------------------------------------------------------------------
  // Polling
  // -------------------------------------------------------------------------------------------

  async #poll(): Promise<void> {
    const started = this.#clock.now();
    const [{ model, byId }, registry] = await Promise.all([this.#members(), this.#readRegistry()]);
    const at = this.#clock.now();
    const obs: Observation = { at, model, byId };
    const events = eventsBetween(this.#prev, obs, { lastLeader: this.#lastLeader, transferTo: this.#transfer?.to ?? null, downSince: this.#downSince });
    const leaderSince = this.#trackLeader(model, at);
    const rates = this.#rates(model, at);
    this.#downSince = nextDownSince(model, this.#downSince, at);
    this.#prev = obs;
    this.#publish({
      at,
      polls: this.#state.polls + 1,
      pollMs: at - started,
      header: this.#header(model, byId, leaderSince, at),
      members: topMembers(model, obs.byId, this.#downSince),
      registry: this.#mergeRegistry(registry, at),
      rates,
      events: this.#appended(events),
    });
  }

  /**
   * The members' model and what each said about itself: from the source's own model when it has
   * one (etcd, whose members report nothing fleet-specific), else built from fleet's probes.
   */
  async #members(): Promise<{ model: StatusModel; byId: ReadonlyMap<string, MemberStatus> }> {
    const own = this.#opts.source.statusModel?.bind(this.#opts.source);
    if (own === undefined) {
      const probes = await this.#probe();
      return { model: buildStatusModel(probes, this.#opts.thresholds), byId: statusById(probes) };
    }
    const deadline = this.#opts.callDeadlineMs * DEADLINE_FACTOR;
    const r = await withDeadline(() => this.#single('status', own), deadline, this.#clock);
    return { model: r.ok ? r.value : buildStatusModel(this.#opts.target.endpoints.map((ep) => failedProbe(ep, r.error, deadline))), byId: new Map() };
  }

  /** Every member's status (and members outside the endpoints); a whole-call failure marks every endpoint down. */
  async #probe(): Promise<EndpointStatus[]> {
    const deadline = this.#opts.callDeadlineMs * DEADLINE_FACTOR;
    const first = await withDeadline(() => this.#single('status', () => this.#opts.source.statusAll()), deadline, this.#clock);
    const probes = first.ok ? first.value : this.#opts.target.endpoints.map((endpoint) => failedProbe(endpoint, first.error, deadline));
    const missing = unprobedAddresses(probes);
    if (missing.length === 0 || this.#opts.probeMore === undefined) return probes;
    const more = await withDeadline(() => this.#opts.probeMore!(missing), deadline, this.#clock);
    return more.ok ? [...probes, ...more.value] : probes;
  }

  /**
   * Starts `call` unless the same call from an earlier poll is still running (it outlived its
   * deadline); then joins it. A client that ignores deadlines can then never pile calls up.
   */
  #single<T>(key: string, call: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running as Promise<T>;
    const started = call().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }

  async #readRegistry(): Promise<Settled<RegistryRead> | null> {
    const src = this.#opts.source;
    if (src.registryAbsent !== undefined) return null;
    const d = this.#opts.callDeadlineMs * DEADLINE_FACTOR;
    const staleSinceMs = this.#staleAfterMs();
    const [shards, counts, plans, stale] = await Promise.all([
      withDeadline(() => this.#single('shards', () => src.listShards(REGISTRY_READ)), d, this.#clock),
      withDeadline(() => this.#single('counts', () => src.counts(REGISTRY_READ)), d, this.#clock),
      withDeadline(() => this.#single('plans', () => src.listPlans(REGISTRY_READ)), d, this.#clock),
      withDeadline(() => this.#single('stale', () => src.listClusters({ ...REGISTRY_READ, staleSinceMs, limit: STALE_COUNT_CAP })), d, this.#clock),
    ]);
    const failed = [shards, counts, plans, stale].find((r): r is Extract<Settled<unknown>, { ok: false }> => !r.ok);
    if (failed !== undefined || !shards.ok || !counts.ok || !plans.ok || !stale.ok) return { ok: false, error: failed?.error ?? 'no answer' };
    return {
      ok: true,
      value: {
        shards: [...shards.value].sort((a, b) => naturalCompare(a.id, b.id)),
        counts: counts.value,
        plans: plans.value.filter((p) => p.state === 'running' || p.state === 'paused'),
        staleClusters: stale.value.items.length,
        staleCapped: stale.value.next !== undefined,
      },
    };
  }

  #staleAfterMs(): number {
    return this.#opts.staleAfterMs ?? 15 * 60_000;
  }

  /** A failed read keeps the last data on screen, with its age and the reason. */
  #mergeRegistry(read: Settled<RegistryRead> | null, at: number): RegistryPanel {
    if (read === null) return { ...this.#state.registry, absent: this.#opts.source.registryAbsent! };
    if (read.ok) return { ...read.value, staleAfterMs: this.#staleAfterMs(), readAt: at, error: null };
    return { ...this.#state.registry, error: read.error };
  }

  /** Remembers the leader across polls; answers since when the current one leads (null: since before this session). */
  #trackLeader(model: StatusModel, at: number): number | null {
    if (model.leader === null) return null;
    const same = this.#lastLeader !== null && this.#lastLeader.id === model.leader && this.#lastLeader.term === model.term;
    // Only a change from a leader this session saw is a takeover it can date.
    if (!same) this.#leaderSince = this.#lastLeader === null ? null : at;
    this.#lastLeader = { id: model.leader, term: model.term };
    if (this.#transfer !== null && (this.#transfer.to === model.leader || at - this.#transfer.at > TRANSFER_MATCH_MS)) this.#transfer = null;
    return this.#leaderSince;
  }

  #header(model: StatusModel, byId: ReadonlyMap<string, MemberStatus>, leaderSince: number | null, at: number): TopState['header'] {
    const commit = highestCommit(model);
    if (commit !== null) this.#samples = trimSamples([...this.#samples, { at, commit }], at);
    return {
      ...this.#state.header,
      engine: model.engine ?? 'fleet',
      clusterName: model.clusterName,
      leader: model.leader,
      term: model.term,
      commitIndex: commit,
      writesPerSec: windowRate(this.#samples),
      quorum: model.quorum,
      leaderUptimeMs: model.leader === null ? null : (byId.get(model.leader)?.uptimeMs ?? null),
      leaderSince,
      banner: bannerOf(model),
    };
  }

  /** Appends this poll's commit rate to the sparkline (0 when nothing answered: nothing is known to commit). */
  #rates(model: StatusModel, at: number): number[] {
    const prev = this.#prev;
    const commit = highestCommit(model);
    const before = prev === undefined ? null : highestCommit(prev.model);
    if (prev === undefined) return [];
    const rate = commit === null || before === null ? 0 : rateBetween({ at: prev.at, commit: before }, { at, commit });
    return [...this.#state.rates, rate].slice(-RATE_SAMPLES);
  }

  /**
   * The timeline with `events` added in time order: a flush of registry changes may date from
   * before the poll events appended meanwhile. The sort is stable, so events of one instant keep
   * their arrival order.
   */
  #appended(events: readonly NewEvent[]): TopEvent[] {
    if (events.length === 0) return this.#state.events as TopEvent[];
    const numbered = events.map((e) => ({ ...e, seq: ++this.#seq }));
    const all = [...this.#state.events, ...numbered];
    const last = this.#state.events[this.#state.events.length - 1];
    if (last !== undefined && numbered.some((e) => e.at < last.at)) all.sort((a, b) => a.at - b.at);
    return all.slice(-MAX_EVENTS);
  }

  #publish(change: Partial<TopState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of this.#listeners) listener();
  }
}

function initialState(opts: TopViewModelOptions): TopState {
  return {
    at: null,
    polls: 0,
    intervalMs: opts.intervalMs,
    readonly: opts.readonly === true,
    paused: false,
    header: {
      engine: opts.source.statusModel === undefined ? 'fleet' : 'etcd',
      context: opts.target.context,
      endpoints: opts.target.endpoints,
      clusterName: null,
      leader: null,
      term: 0,
      commitIndex: null,
      writesPerSec: null,
      quorum: { voters: 0, size: 0, healthyVoters: 0, failureTolerance: 0, available: false },
      leaderUptimeMs: null,
      leaderSince: null,
      banner: null,
    },
    members: [],
    registry: { shards: [], counts: null, staleClusters: null, staleCapped: false, staleAfterMs: opts.staleAfterMs ?? 15 * 60_000, plans: [], readAt: null, error: null },
    rates: [],
    events: [],
    action: null,
    pollMs: null,
  };
}

function failedProbe(endpoint: string, reason: string, rttMs: number): EndpointStatus {
  return { endpoint, ok: false, reachable: false, rttMs, error: new FleetClientError('timeout', `${endpoint}: ${reason}`) };
}

/** Addresses the answering members' membership names that no probe covered. */
function unprobedAddresses(probes: readonly EndpointStatus[]): string[] {
  const probed = new Set(probes.map((p) => p.endpoint));
  const known = new Set(probes.flatMap((p) => (p.ok ? [p.status.id] : [])));
  const missing = new Set<string>();
  for (const p of probes) if (p.ok) for (const m of p.status.members) if (!probed.has(m.address) && !known.has(m.id)) missing.add(m.address);
  return [...missing];
}
