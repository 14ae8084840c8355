/**
 * A simulated cluster running the real Raft core: hosts on a seeded network and a simulated
 * clock, clients, and a fault injector. One step is one tick interval of simulated time: the
 * step's faults and operator actions are drawn and the clients act; then every live node
 * ticks once (each on its own slightly drifting clock) and every message due in the interval
 * is delivered, in time order, each node handling its Readies as they come; then the
 * cross-node checks run.
 */
import type { Message, NodeId, UnsafeTestingOptions } from '../../src/core/raft/types.js';
import { HistoryRecorder } from '../../src/ops/history/index.js';
import { SafetyChecker } from './checkers.js';
import { Clients } from './clients.js';
import { TraceDigest } from './digest.js';
import type { LogView } from './durable-store.js';
import { drawFaultPlan, TICK_UNITS, type FaultKind, type FaultPlan } from './faults.js';
import { Host, type HostEnv } from './host.js';
import { MembershipDriver } from './membership.js';
import { cloneMessage, Network } from './network.js';
import { Prng } from './prng.js';
import { SafetyViolation } from './violation.js';

/** The election timeout every node runs with, in ticks. */
export const ELECTION_TICKS = 10;

/** Readies are handled once per node per slot of this many time units (a tenth of a tick). */
const SLOT_UNITS = TICK_UNITS / 10;

/** How long the healed cluster has to elect an agreed leader and finish every client operation. */
export const LIVENESS_TICKS = 20 * ELECTION_TICKS;

/** What decides a run: with the same options, a run is the same run. */
export interface ClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly faults: ReadonlySet<FaultKind>;
  readonly unsafe?: UnsafeTestingOptions;
  /** Breaks the hosts instead of the core (reads served locally, without ReadIndex): proves the history check can fail. */
  readonly staleReads?: boolean;
  /** Breaks the hosts: asynchronous writes acknowledged before they are durable (proves the checkers see it). */
  readonly ackBeforeDurable?: boolean;
  /** Receives a line per notable event (crash, partition, leader change, ...) when set. */
  readonly log?: (line: string) => void;
}

const MESSAGE_CODE = new Map<string, number>(
  ['pre-vote', 'pre-vote-resp', 'vote', 'vote-resp', 'app', 'app-resp', 'heartbeat', 'heartbeat-resp', 'snap', 'timeout-now', 'read-index', 'read-index-resp', 'term-probe', 'term-probe-resp'].map((t, i) => [t, i + 1]),
);

/**
 * The simulated cluster. Invariant: all randomness comes from the seed, through separate
 * streams per concern, and iteration orders are fixed — so a seed replays the same run.
 */
export class Cluster {
  readonly plan: FaultPlan;
  readonly hosts = new Map<NodeId, Host>();
  readonly nodeIds: NodeId[] = [];
  readonly founders: NodeId[] = [];
  readonly network: Network<Message>;
  readonly checker: SafetyChecker;
  readonly digest = new TraceDigest();
  readonly history: HistoryRecorder;
  readonly clients: Clients;
  readonly membership: MembershipDriver;
  /** Whether this run's hosts write asynchronously (drawn from the seed). */
  readonly asyncWrites: boolean;
  now = 0;
  tick = 0;
  /** Hosts that were stepped or ticked since they last handled their Readies. */
  private readonly pending = new Set<Host>();
  private readonly faultPrng: Prng;
  private readonly nodePrng: Prng;

  constructor(private readonly options: ClusterOptions) {
    const root = new Prng(options.seed);
    // A broken core gets the hostile fault mix that is meant to expose it.
    this.plan = drawFaultPlan(root.fork(), options.faults, options.unsafe !== undefined || options.ackBeforeDurable === true);
    const netPrng = root.fork();
    this.faultPrng = root.fork();
    this.nodePrng = root.fork();
    const clientPrng = root.fork();
    const drift = root.fork();
    // Half the seeds run the hosts with asynchronous storage writes, as the real node does.
    const writes = root.fork();
    this.asyncWrites = writes.chance(0.5) || options.ackBeforeDurable === true;
    this.network = new Network<Message>(netPrng, this.plan, cloneMessage);
    for (let i = 1; i <= options.nodes; i++) this.founders.push(`n${i}`);
    this.nodeIds.push(...this.founders);
    // A spare member that starts outside the cluster, so a 3-node cluster can still rotate members.
    if (options.faults.has('membership')) this.nodeIds.push(`n${options.nodes + 1}`);
    // The checker reads the hosts' durable stores; they are added as the hosts are created.
    const stores = new Map<NodeId, LogView>();
    this.checker = new SafetyChecker(stores, () => this.quorum());
    this.history = new HistoryRecorder(() => this.now);
    this.clients = new Clients(clientPrng, { clients: this.plan.clients, keys: this.plan.keys, rate: this.plan.clientRate }, this, this.history, this.digest);
    this.membership = new MembershipDriver(this.faultPrng.fork(), this.nodeIds);
    this.createHosts(drift, stores, this.asyncWrites ? writes.fork() : undefined);
  }

  private createHosts(drift: Prng, stores: Map<NodeId, LogView>, asyncWrites: Prng | undefined): void {
    const env: HostEnv = {
      settings: {
        compactEvery: this.plan.compactEvery,
        maxMsgBytes: this.plan.maxMsgBytes,
        maxInflight: this.plan.maxInflight,
        unsafe: this.options.unsafe,
        staleReads: this.options.staleReads,
        ...(asyncWrites ? { asyncWrites } : {}),
        ...(this.options.ackBeforeDurable ? { ackBeforeDurable: true } : {}),
      },
      checker: this.checker,
      digest: this.digest,
      clients: this.clients,
      send: (m) => this.network.send(m, this.now),
      log: (line) => this.log(line),
      now: () => this.now,
    };
    const founding = { voters: [...this.founders], learners: [] };
    this.nodeIds.forEach((id, i) => {
      const bootstrap = this.founders.includes(id) ? founding : { voters: [], learners: [] };
      const host = new Host(id, i, bootstrap, TICK_UNITS + drift.between(-20, 20), env);
      this.hosts.set(id, host);
      stores.set(id, host.store);
    });
    for (const host of this.hosts.values()) {
      host.nextTickAt = drift.between(0, TICK_UNITS - 1);
      host.start(this.nodePrng.fork());
    }
  }

  /** The host of `id` (every id of `nodeIds` has one, up or down). */
  host(id: NodeId): Host {
    const host = this.hosts.get(id);
    if (host === undefined) throw new Error(`no node ${id}`);
    return host;
  }

  private log(line: string): void {
    this.options.log?.(`[t${this.tick}] ${line}`);
  }

  /** A quorum of the newest membership any live node has applied (founders when all are down). */
  private quorum(): number {
    let best: { applied: number; voters: number } | undefined;
    for (const host of this.hosts.values()) {
      const node = host.node;
      if (node === undefined) continue;
      const applied = node.status().applied;
      if (best === undefined || applied > best.applied) best = { applied, voters: node.confState().voters.length };
    }
    return Math.floor((best?.voters ?? this.founders.length) / 2) + 1;
  }

  /** Runs one step of simulated time; `faults` false in the liveness phase. */
  step(faults: boolean): void {
    if (faults) this.injectFaults();
    this.clients.step(this.tick);
    this.runUntil(this.now + TICK_UNITS);
    this.tick++;
    this.checkStep();
  }

  /**
   * Runs events in time order until `end`. Readies are handled in batches per slot of
   * SLOT_UNITS: every message and tick of a node within a slot is stepped first, then the
   * node handles one Ready — as a real host's event loop batches what arrived meanwhile.
   */
  private runUntil(end: number): void {
    for (;;) {
      const ticker = this.nextTicker();
      const tickAt = ticker?.nextTickAt ?? Infinity;
      const msgAt = this.network.nextAt() ?? Infinity;
      const next = Math.min(tickAt, msgAt);
      const slotOver = next >= end || Math.floor(next / SLOT_UNITS) !== Math.floor(this.now / SLOT_UNITS);
      if (slotOver && this.pending.size > 0) {
        // What the Readies send may be due before `next`: look again afterwards.
        this.handleReadies();
        continue;
      }
      if (next >= end) break;
      this.now = next;
      if (msgAt <= tickAt) {
        const packet = this.network.popDue(msgAt);
        if (packet !== undefined) this.deliver(packet.msg);
      } else if (ticker !== undefined) {
        ticker.nextTickAt += ticker.tickPeriod;
        ticker.tick();
        this.pending.add(ticker);
      }
    }
    this.now = end;
  }

  private handleReadies(): void {
    for (const host of this.pending) host.handleReadies();
    this.pending.clear();
  }

  private nextTicker(): Host | undefined {
    let next: Host | undefined;
    for (const host of this.hosts.values()) {
      if (host.alive && (next === undefined || host.nextTickAt < next.nextTickAt)) next = host;
    }
    return next;
  }

  private deliver(m: Message): void {
    const to = this.hosts.get(m.to);
    if (to === undefined) return;
    this.digest.add(MESSAGE_CODE.get(m.type) ?? 0, this.nodeIds.indexOf(m.from), this.nodeIds.indexOf(m.to), m.term, m.index, m.entries.length);
    const delivered = to.deliver(m);
    if (delivered) this.pending.add(to);
    const sender = this.hosts.get(m.from);
    const node = sender?.node;
    if (sender === undefined || node === undefined) return;
    // The sender's transport learns whether the connection worked.
    if (!delivered) node.reportUnreachable(m.to);
    if (m.type === 'snap') node.reportSnapshot(m.to, delivered);
    if (!delivered || m.type === 'snap') this.pending.add(sender);
  }

  private checkStep(): void {
    const statuses = [];
    for (const host of this.hosts.values()) {
      const s = host.node?.status();
      if (s !== undefined) statuses.push(s);
    }
    this.checker.afterStep(statuses);
  }

  /** The live node that believes it leads in the highest term, if any. */
  leader(): Host | undefined {
    let best: Host | undefined;
    let bestTerm = -1;
    for (const host of this.hosts.values()) {
      if (host.role !== 'leader' || host.node === undefined) continue;
      const term = host.node.status().term;
      if (term > bestTerm) [best, bestTerm] = [host, term];
    }
    return best;
  }

  private injectFaults(): void {
    const p = this.plan;
    const r = this.faultPrng;
    if (r.chance(p.crash)) this.crashOne();
    if (r.chance(p.leaderKill)) this.killLeaderWithUncommitted();
    if (r.chance(p.stall)) this.stallOne();
    for (const host of this.hosts.values()) if (!host.alive && r.chance(p.restart)) this.restart(host);
    if (this.network.partitioned) {
      if (r.chance(p.partitionHeal)) {
        this.network.healAll();
        // Moving straight to another partition lets a cut-off old leader meet voters the new one never reached.
        if (r.chance(p.repartition)) this.partition();
        else this.log('partition healed');
      }
    } else if (r.chance(p.partition)) {
      this.partition();
    }
    if (r.chance(p.transfer)) this.transfer();
    if (r.chance(p.membership)) this.changeMembership();
  }

  private crashOne(): void {
    const r = this.faultPrng;
    const live = [...this.hosts.values()].filter((h) => h.alive);
    if (live.length === 0) return;
    const leader = this.leader();
    const victim = leader !== undefined && r.chance(this.plan.leaderBias) ? leader : r.pick(live);
    if (r.chance(this.plan.tornCrash)) victim.armTornCrash();
    else this.crash(victim);
  }

  /** Freezes a node (often the leader) for up to three election timeouts. */
  private stallOne(): void {
    const r = this.faultPrng;
    const live = [...this.hosts.values()].filter((h) => h.alive);
    if (live.length === 0) return;
    const leader = this.leader();
    const victim = leader !== undefined && r.chance(this.plan.leaderBias) ? leader : r.pick(live);
    const ticks = r.between(1, 3 * ELECTION_TICKS);
    victim.stall(this.now + ticks * TICK_UNITS);
    this.log(`stall ${victim.id}${victim === leader ? ' (leader)' : ''} for ${ticks} ticks`);
  }

  /**
   * The Figure 8 nemesis: kill a leader while it holds entries it has not committed, so that
   * later leaders meet uncommitted entries of older terms.
   */
  private killLeaderWithUncommitted(): void {
    const leader = this.leader();
    const status = leader?.node?.status();
    if (leader === undefined || status === undefined || status.lastIndex <= status.commit) return;
    // Cutting it off instead keeps it alive, taking writes it cannot replicate until check-quorum deposes it.
    if (this.plan.partition > 0 && this.faultPrng.chance(0.5)) {
      this.network.healAll();
      this.network.isolate(leader.id, this.nodeIds);
      this.log(`isolate ${leader.id} (leader with uncommitted entries)`);
    } else {
      this.crash(leader);
    }
  }

  private crash(victim: Host): void {
    const r = this.faultPrng;
    const live = [...this.hosts.values()].filter((h) => h.alive);
    const down = this.hosts.size - live.length;
    // Mostly keep a majority up, so the run makes progress; now and then take the majority down too.
    if (!victim.alive || (down >= Math.floor(this.hosts.size / 2) && !r.chance(0.1))) return;
    const wasLeader = victim.role === 'leader';
    victim.crash();
    this.log(`crash ${victim.id}${wasLeader ? ' (leader)' : ''}`);
    for (const host of live) {
      const node = host.node;
      if (node === undefined || node.status().leader !== victim.id || !r.chance(this.plan.connectionHint)) continue;
      node.leaderConnectionLost();
      host.handleReadies();
    }
  }

  private restart(host: Host): void {
    host.nextTickAt = this.now + this.faultPrng.between(1, host.tickPeriod);
    host.start(this.nodePrng.fork());
    this.log(`restart ${host.id}`);
  }

  private partition(): void {
    const r = this.faultPrng;
    const ids = [...this.nodeIds];
    const leader = this.leader()?.id;
    const kind = r.int(3);
    if (kind === 0) {
      const node = leader !== undefined && r.chance(this.plan.leaderBias) ? leader : r.pick(ids);
      this.network.isolate(node, ids);
      this.log(`isolate ${node}`);
      return;
    }
    r.shuffle(ids);
    const cut = r.between(1, Math.floor(ids.length / 2));
    const [a, b] = [ids.slice(0, cut), ids.slice(cut)];
    if (kind === 1) {
      this.network.partition(a, b);
      this.log(`partition ${a.join(',')} | ${b.join(',')}`);
    } else if (r.chance(0.5)) {
      this.network.cutOneWay(a, b);
      this.log(`one-way cut ${a.join(',')} -> ${b.join(',')}`);
    } else {
      this.network.cutOneWay(b, a);
      this.log(`one-way cut ${b.join(',')} -> ${a.join(',')}`);
    }
  }

  private transfer(): void {
    const leader = this.leader();
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const others = node.status().conf.voters.filter((id) => id !== leader.id);
    if (others.length === 0) return;
    const to = this.faultPrng.pick(others);
    const error = node.transferLeader(to);
    leader.handleReadies();
    this.log(`transfer ${leader.id} -> ${to}${error ? ` refused: ${error}` : ''}`);
  }

  private changeMembership(): void {
    const leader = this.leader();
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const line = this.membership.step(node, (id) => this.host(id).alive);
    leader.handleReadies();
    if (line !== undefined) this.log(line);
  }

  /**
   * Ends the fault phase: restart or unfreeze every node, heal every link, stop losing
   * messages. When crashes are on, one run in three also power-cycles the whole cluster, so
   * recovery must work from durable state alone.
   */
  heal(): void {
    this.network.healAll();
    const delayMax = Math.min(this.plan.delayMax, TICK_UNITS);
    this.network.setRates({ drop: 0, dup: 0, delayMin: Math.min(this.plan.delayMin, delayMax), delayMax, clog: 0 });
    const powerCycle = this.plan.crash > 0 && this.faultPrng.chance(1 / 3);
    for (const host of this.hosts.values()) {
      if (powerCycle) host.crash();
      if (host.alive) host.recover();
      else this.restart(host);
    }
    this.log(`heal: all links healed, no more losses, ${powerCycle ? 'every node power-cycled' : 'all nodes up'}`);
  }

  /** Whether every voter has applied all that the agreed leader has committed (call once leaderAgreed()). */
  votersCaughtUp(): boolean {
    const status = this.leader()?.node?.status();
    if (status === undefined) return false;
    return status.conf.voters.every((id) => (this.host(id).node?.status().applied ?? -1) >= status.commit);
  }

  /** Whether one live leader is recognised by every voter of its membership, all of them up. */
  leaderAgreed(): boolean {
    const leader = this.leader();
    const status = leader?.node?.status();
    if (leader === undefined || status === undefined || !status.conf.voters.includes(leader.id)) return false;
    return status.conf.voters.every((id) => {
      const s = this.host(id).node?.status();
      return s !== undefined && s.leader === leader.id && s.term === status.term;
    });
  }

  /** Throws a liveness violation describing what did not converge. */
  livenessFailure(since: number): never {
    const leader = this.leader();
    const parts = [`not converged ${this.tick - since} ticks after healing`];
    parts.push(leader ? `leader ${leader.id}${this.leaderAgreed() ? ' (agreed)' : ' (not agreed by all voters)'}` : 'no leader');
    if (leader !== undefined && !this.votersCaughtUp()) parts.push('some voter has not applied what the leader committed');
    const overdue = this.clients.describeOutstanding();
    if (overdue.length > 0) parts.push(`unfinished: ${overdue.slice(0, 3).join('; ')}${overdue.length > 3 ? ` and ${overdue.length - 3} more` : ''}`);
    throw new SafetyViolation('liveness', parts.join('; '));
  }
}
