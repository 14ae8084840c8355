/**
 * Where each call goes and what happens when it fails: the endpoints, the leader as last
 * seen, leader discovery, and the retry loop (hint-following, back-off with jitter, circuit
 * breakers) under an overall deadline.
 */
import { humanTime } from '../../common/times.js';
import { FleetClientError, isTransportFailure } from '../errors.js';
import { statusOfEndpoint, type EndpointStatus } from './endpoint-status.js';
import { Endpoint, type EndpointConfig } from './endpoint.js';
import type { MemberStatus } from '../types.js';

/**
 * What a cluster that answers without a leader says: who answered, that none leads, and since
 * when the one that heard from a leader last has not (a member's lastContactMs; -1 never).
 */
export function noLeaderMessage(list: string, answered: readonly { readonly endpoint: string; readonly status: MemberStatus }[], asked: number, nowMs = Date.now()): string {
  const who = answered.map((r) => r.status.id || r.endpoint).sort().join(', ');
  const term = Math.max(...answered.map((r) => r.status.term));
  const contacts = answered.map((r) => r.status.lastContactMs).filter((ms) => ms >= 0);
  const since = contacts.length === 0 ? 'none has heard from a leader since it started' : `no leader heard from since ${humanTime(nowMs - Math.min(...contacts), nowMs)}`;
  return `no leader at ${list}: ${who} answered (${answered.length} of ${asked}, term ${term}) but none leads; ${since}: is a quorum of members up? (fleet status)`;
}

/** Where a call must go: the leader, any member (preferring the first endpoint), or one given member. */
export type Route = 'leader' | 'any' | { readonly endpoint: string };

export type { EndpointStatus } from './endpoint-status.js';

/** Timing of the router. */
export interface RouterOptions {
  readonly endpoints: readonly string[];
  readonly config: EndpointConfig;
  readonly callTimeoutMs: number;
  readonly overallTimeoutMs: number;
  /** First back-off and its cap, before jitter. */
  readonly backoffMs: { readonly initial: number; readonly max: number };
  /** Uniform in [0, 1): the jitter source. */
  readonly random: () => number;
  /** The client's region: reads any member may serve go first to members that run in it. */
  readonly region?: string;
}

/** Hints followed in a row without back-off before the router backs off and asks everyone again. */
const MAX_HOPS = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Back-off cap while members answer but none leads (an election is under way): clients look
 * again soon, so that they find the new leader within a fraction of a second of its election.
 */
const ELECTION_BACKOFF_MAX_MS = 200;

/**
 * Routes calls to members. Invariants: at most one leader discovery runs at a time; a leader
 * hint is followed at once; every retry waits for an exponentially growing, jittered back-off
 * and no call outlives its overall deadline.
 */
export class Router {
  readonly #opts: RouterOptions;
  readonly #configured: readonly Endpoint[];
  readonly #byAddress = new Map<string, Endpoint>();
  #leader: Endpoint | undefined;
  #leaderTerm = 0;
  #discovery: Promise<Endpoint> | undefined;
  /** Status probes in flight, by endpoint: a silent member is asked at most once at a time. */
  readonly #probes = new Map<Endpoint, Promise<EndpointStatus>>();
  /** Errors of discoveries where members answered and none led. */
  readonly #electing = new WeakSet<FleetClientError>();
  /** Errors of discoveries where no member answered at all. */
  readonly #unanswered = new WeakSet<FleetClientError>();
  /** Asking every endpoint where it runs, once, before the first read routed by region. */
  #placement: Promise<unknown> | undefined;
  #closed = false;

  constructor(opts: RouterOptions) {
    if (opts.endpoints.length === 0) throw new FleetClientError('invalid', 'no endpoints given: pass --endpoints host:port,… or choose a context (fleet context list)');
    this.#opts = opts;
    this.#configured = opts.endpoints.map((address) => this.endpoint(address));
  }

  /** The configured endpoints, in the order given. */
  get configured(): readonly Endpoint[] {
    return this.#configured;
  }

  /** The leader as last seen, if any. */
  get leader(): Endpoint | undefined {
    return this.#leader;
  }

  /** The endpoint for an address (created on first use). */
  endpoint(address: string): Endpoint {
    let ep = this.#byAddress.get(address);
    if (ep === undefined) {
      ep = new Endpoint(address, this.#opts.config);
      this.#byAddress.set(address, ep);
    }
    return ep;
  }

  /** Runs `attempt` on the route's member, retrying what may succeed when retried, until the overall deadline. */
  async run<T>(route: Route, attempt: (ep: Endpoint, timeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#opts.overallTimeoutMs;
    const tried = new Set<Endpoint>();
    let failures = 0;
    let hops = 0;
    let last: FleetClientError | undefined;
    for (;;) {
      this.#checkOpen();
      const left = deadline - Date.now();
      if (left <= 0) throw last ?? new FleetClientError('timeout', `no answer within ${this.#opts.overallTimeoutMs} ms: check the members (fleet status)`);
      let ep: Endpoint | undefined;
      try {
        ep = await this.#pick(route, tried, deadline);
        const result = await attempt(ep, Math.min(this.#opts.callTimeoutMs, left));
        ep.breaker.success();
        return result;
      } catch (e) {
        const err = e instanceof FleetClientError ? e : new FleetClientError('internal', String(e), { cause: e });
        if (!err.retryable || this.#closed) throw err;
        last = this.#moreTelling(last, err);
        if (ep !== undefined && this.#redirect(ep, err, route) && hops++ < MAX_HOPS) continue;
        if (ep !== undefined) this.#failed(ep, err, tried);
        hops = 0;
        await this.#backoff(failures++, deadline, this.#electing.has(err) ? ELECTION_BACKOFF_MAX_MS : Infinity);
      }
    }
  }

  /**
   * The error a call that gives up should report: once members answered without a leader during
   * this call, a later round in which none answered (a status probe cut short by the deadline's
   * last few milliseconds) does not turn that into "no member reachable".
   */
  #moreTelling(last: FleetClientError | undefined, err: FleetClientError): FleetClientError {
    return last !== undefined && this.#electing.has(last) && this.#unanswered.has(err) ? last : err;
  }

  /** Asks every configured endpoint for its status at once; never throws, and answers within the call deadline. */
  statusAll(): Promise<EndpointStatus[]> {
    return Promise.all(this.#configured.map((ep) => this.#probe(ep, this.#opts.callTimeoutMs)));
  }

  /** Asks the members who leads (or reuses the leader already known). */
  async findLeader(): Promise<Endpoint> {
    return this.#leader ?? this.#discover(Date.now() + this.#opts.overallTimeoutMs);
  }

  /** Closes every channel and stream. */
  close(): void {
    this.#closed = true;
    for (const ep of this.#byAddress.values()) ep.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new FleetClientError('unavailable', 'the client was closed');
  }

  async #pick(route: Route, tried: Set<Endpoint>, deadline: number): Promise<Endpoint> {
    if (typeof route === 'object') return this.endpoint(route.endpoint);
    if (route === 'any') {
      if (this.#opts.region !== undefined) await (this.#placement ??= this.statusAll());
      return this.#pickAny(tried);
    }
    const leader = this.#leader;
    if (leader !== undefined && leader.breaker.allow(Date.now())) return leader;
    return this.#discover(deadline);
  }

  /**
   * The first endpoint not yet tried whose breaker lets a call through, those of the client's
   * region first (a member of it that is not fresh enough refuses, and the next is tried); when
   * none is left, start over.
   */
  #pickAny(tried: Set<Endpoint>): Endpoint {
    const now = Date.now();
    const order = nearestFirst(this.#configured, this.#opts.region);
    const fresh = order.filter((ep) => !tried.has(ep));
    const pick = fresh.find((ep) => ep.breaker.allow(now)) ?? fresh[0];
    if (pick !== undefined) return pick;
    tried.clear();
    return order.find((ep) => ep.breaker.allow(now)) ?? order[0]!;
  }

  /** Follows a leader hint: true when the next attempt should go at once to the hinted leader. */
  #redirect(ep: Endpoint, err: FleetClientError, route: Route): boolean {
    if (route !== 'leader' || err.leaderAddress === '') return false;
    ep.breaker.success();
    const hinted = this.#endpointOf(err.leaderId, err.leaderAddress);
    // A member that stopped answering is not believed to lead on another's word (see #leaderFromHints).
    if (hinted.breaker.silent) return false;
    this.#leader = hinted;
    return hinted !== ep;
  }

  #failed(ep: Endpoint, err: FleetClientError, tried: Set<Endpoint>): void {
    tried.add(ep);
    // Transport trouble (as opposed to an answer, even an unwelcome one) counts against the breaker.
    if (isTransportFailure(err)) ep.breaker.failure(Date.now());
    if (this.#leader === ep) this.#leader = undefined;
  }

  async #backoff(failures: number, deadline: number, cap: number): Promise<void> {
    const { initial, max } = this.#opts.backoffMs;
    const base = Math.min(max, cap, initial * 2 ** failures);
    // "Equal jitter": at least half the back-off, so retries spread out but never hammer.
    const delay = base / 2 + (this.#opts.random() * base) / 2;
    await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
  }

  /** An endpoint for a member named in a hint: by id when the client knows it, else by its address. */
  #endpointOf(id: string, address: string): Endpoint {
    const known = id === '' ? undefined : [...this.#byAddress.values()].find((ep) => ep.memberId === id);
    if (known !== undefined) return known;
    const ep = this.endpoint(address);
    if (ep.memberId === '') ep.memberId = id;
    return ep;
  }

  #discover(deadline: number): Promise<Endpoint> {
    this.#discovery ??= this.#ask(deadline).finally(() => (this.#discovery = undefined));
    return this.#discovery;
  }

  /**
   * Asks the members in parallel. Settles as soon as one says it leads; otherwise, once all
   * have answered or timed out, follows the hint with the highest term, or fails. Members that
   * stopped answering (a paused or cut-off leader) are asked too, but not waited for when
   * others answer: a paused process keeps its connections open, so waiting would cost a whole
   * call timeout each time. Their answer, when it comes, still counts (it clears the suspicion).
   */
  #ask(deadline: number): Promise<Endpoint> {
    const now = Date.now();
    const open = this.#configured.filter((ep) => ep.breaker.state(now) !== 'open');
    const candidates = open.length > 0 ? open : this.#configured;
    const answering = candidates.filter((ep) => !ep.breaker.silent);
    const awaited = new Set(answering.length > 0 ? answering : candidates);
    const timeout = Math.max(1, Math.min(this.#opts.callTimeoutMs, deadline - now));
    return new Promise<Endpoint>((resolve, reject) => {
      const results: EndpointStatus[] = [];
      let settled = false;
      for (const ep of candidates) {
        void this.#probeOnce(ep, timeout).then((r) => {
          if (settled) return;
          if (r.ok && r.status.role === 'leader') {
            settled = true;
            resolve(ep);
            return;
          }
          if (!awaited.has(ep)) return;
          results.push(r);
          if (results.length < awaited.size) return;
          settled = true;
          const fromHint = this.#leaderFromHints(results);
          if (fromHint !== undefined) resolve(fromHint);
          else reject(this.#noLeader(results));
        });
      }
    });
  }

  /** The leader the members name with the highest term, unless it stopped answering: then none yet (the caller backs off and asks again). */
  #leaderFromHints(results: readonly EndpointStatus[]): Endpoint | undefined {
    let best: MemberStatus | undefined;
    for (const r of results) if (r.ok && r.status.leaderAddress !== '' && (best === undefined || r.status.term > best.term)) best = r.status;
    if (best === undefined) return undefined;
    const named = this.#endpointOf(best.leaderId, best.leaderAddress);
    if (named.breaker.silent) return undefined;
    this.#leader = named;
    return named;
  }

  #noLeader(results: readonly EndpointStatus[]): FleetClientError {
    const list = this.#configured.map((ep) => ep.address).join(',');
    const answered = results.filter((r): r is Extract<EndpointStatus, { ok: true }> => r.ok);
    if (answered.length > 0) {
      const err = new FleetClientError('unavailable', noLeaderMessage(list, answered, this.#configured.length));
      this.#electing.add(err);
      return err;
    }
    const refused = results.find((r) => !r.ok && r.reachable);
    if (refused !== undefined && !refused.ok) return refused.error;
    const err = new FleetClientError('unavailable', `no member of fleet reachable at ${list}: is the cluster running? (fleet ps)`);
    this.#unanswered.add(err);
    return err;
  }

  /** A Status call to `ep`, or the one already in flight. */
  #probeOnce(ep: Endpoint, timeoutMs: number): Promise<EndpointStatus> {
    let p = this.#probes.get(ep);
    if (p === undefined) {
      p = this.#probe(ep, timeoutMs).finally(() => this.#probes.delete(ep));
      this.#probes.set(ep, p);
    }
    return p;
  }

  /** One Status call; records the member's id, the breaker's verdict and a leader it reports. */
  async #probe(ep: Endpoint, timeoutMs: number): Promise<EndpointStatus> {
    const r = await statusOfEndpoint(ep.address, () => ep.status(timeoutMs));
    if (r.ok) {
      ep.memberId = r.status.id;
      ep.region = r.status.region ?? '';
      if (r.status.role === 'leader' && (this.#leader === undefined || r.status.term >= this.#leaderTerm)) this.#setLeader(ep, r.status.term);
    }
    if (r.reachable) ep.breaker.success();
    else ep.breaker.failure(Date.now());
    return r;
  }

  #setLeader(ep: Endpoint, term: number): void {
    this.#leader = ep;
    this.#leaderTerm = term;
  }
}

/** The endpoints in the order given, those known to run in `region` first (stable: the given order within each group). */
export function nearestFirst<E extends { readonly region: string }>(endpoints: readonly E[], region: string | undefined): readonly E[] {
  if (region === undefined) return endpoints;
  return [...endpoints.filter((ep) => ep.region === region), ...endpoints.filter((ep) => ep.region !== region)];
}
