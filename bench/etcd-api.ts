/**
 * The etcd-api area (issue 36): one etcd v3 load generator — an EtcdClient, the same calls —
 * against the etcd API of a 3-member fleet cluster and against a 3-member etcd 3.4 cluster,
 * interleaved, as ratios: writes at 64 and 1 in flight (to the leader), follower visibility (a put's
 * acknowledgement to a serializable read on a follower that returns it), the etcd3 package's STM
 * meeting a member behind the revision it read elsewhere ("future revision"), watch delivery (a put's
 * send to its event on a watcher on a follower), the memory of a follower before and after it
 * opens 10,000 watchers (1,000 with --quick) and delivery with them open, and the installed
 * `etcdctl endpoint status` and `etcdctl get` as whole processes. fleet's members authenticate each
 * other with a peer secret, as `fleet init` starts them, and require no client token (etcdctl
 * cannot present one).
 */
import { progress } from './cleanup.js';
import { timed } from './cli.js';
import { ETCD_INSTALL_HINT, findEtcd } from './etcd/cluster.js';
import { atMost, quantile, ratioAtLeast, ratioAtMost, type BenchFigure } from './figures.js';
import { rssOf } from './harness.js';
import { runFor } from './load.js';
import { figureIn, interleaved, interleavedLoad, keyRing, pick, type Samples } from './node.js';
import { EtcdSystem, FleetSystem, VALUE_BYTES, type BenchSystem } from './systems.js';
import { Etcd3 } from 'etcd3';
import { EtcdClient, type EtcdWatchStream } from '../src/client/etcd/index.js';

const AREA = 'etcd-api';
const MB = 1e6;

/** How much each phase does, full or quick. */
interface Plan {
  readonly secondsPerRep: number;
  /** Watchers opened on one member for the memory figures. */
  readonly watchers: number;
  /** Runs of each etcdctl command on each system. */
  readonly etcdctlRuns: number;
}

function planOf(quick: boolean): Plan {
  return quick ? { secondsPerRep: 1, watchers: 1_000, etcdctlRuns: 5 } : { secondsPerRep: 4, watchers: 10_000, etcdctlRuns: 11 };
}

/** Puts in flight while watch delivery is measured: a steady load, well below either system's limit. */
const WATCH_IN_FLIGHT = 8;
/** How long delivery may trail the last acknowledged put before an event counts as lost. */
const DRAIN_MS = 5_000;
/** Keys the write phases cycle through. */
const WRITE_KEYS = 10_000;

/** One system as the etcd-API generator sees it: a client, where it writes, where it watches. */
export interface Target {
  readonly name: BenchSystem['name'];
  readonly client: EtcdClient;
  readonly endpoints: readonly string[];
  /** Writes go to the leader on both systems (etcd clients do not follow redirects; fleet would forward). */
  readonly leader: string;
  /** Watches are opened on a follower: its events wait for its own apply, as a reader elsewhere would see them. */
  readonly follower: string;
  /** The pid of the member serving `endpoint`. */
  pidOf(endpoint: string): number | undefined;
}

/** An EtcdClient on `endpoints`, its leader and a follower. */
async function targetOf(name: BenchSystem['name'], endpoints: readonly string[], pidOf: (endpoint: string) => number | undefined): Promise<Target> {
  const client = new EtcdClient({ endpoints, callTimeoutMs: 5_000 });
  const leader = await client.leaderEndpoint(2_000);
  if (leader === undefined) {
    client.close();
    throw new Error(`no ${name} member says it leads (asked over the etcd API)`);
  }
  return { name, client, endpoints, leader, follower: endpoints.find((e) => e !== leader)!, pidOf };
}

export function fleetTarget(s: FleetSystem): Promise<Target> {
  const c = s.cluster;
  const idOf = (ep: string): string | undefined => [...c.procs.keys()].find((id) => c.endpointOf(id) === ep);
  return targetOf('fleet', c.endpoints, (ep) => c.pid(idOf(ep) ?? ''));
}

function etcdTarget(s: EtcdSystem): Promise<Target> {
  const c = s.cluster;
  return targetOf('etcd', c.endpoints, (ep) => c.pids().get(c.names.find((n) => c.endpointOf(n) === ep) ?? ''));
}

/** The 256-byte value of a put, carrying `id` so that its event can be matched to its send. */
function valueOf(id: string): Buffer {
  return Buffer.from(id.padEnd(VALUE_BYTES, 'x'));
}

const put = (t: Target, key: string, value: Buffer): Promise<number> => t.client.put(t.leader, Buffer.from(key), value);

/** Writes at 64 and at 1 in flight, to the leader, cycling through distinct keys. */
async function writePhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  const rings = new Map(targets.map((t) => [t.name, keyRing(WRITE_KEYS)]));
  const value = valueOf('');
  const write = (t: Target): Promise<number> => put(t, `bench/${rings.get(t.name)!()}`, value);
  // Warm-up: connections, JIT, and each system's first batches.
  for (const t of targets) await runFor(() => write(t), 16, 1);
  const figures: BenchFigure[] = [];
  // The goals: throughput at 64 in flight, latency at 1.
  for (const c of [64, 1]) {
    progress(`${AREA}: puts at ${c} in flight`);
    const results = await interleavedLoad(targets, (t) => runFor(() => write(t), c, plan.secondsPerRep));
    figures.push(
      figureIn(AREA, `writes_c${c}`, 'writes/s', pick(results, (r) => r.rate), c === 64 ? ratioAtLeast(2) : undefined),
      figureIn(AREA, `p50_c${c}`, 'ms', pick(results, (r) => r.p50), c === 1 ? ratioAtMost(1.0) : undefined),
      figureIn(AREA, `p99_c${c}`, 'ms', pick(results, (r) => r.p99)),
    );
  }
  return figures;
}

/** How long a follower may take to show an acknowledged put before the bench gives up on it. */
const VISIBLE_WITHIN_MS = 2_000;

/**
 * Puts to the leader at 1 in flight for `seconds`; after each acknowledgement, serializable gets
 * of its key on a follower (its own state, no leader round) until one shows the put's revision:
 * the time from the acknowledgement to that answer, each put's (issue 58: a client that reads
 * from followers, as the etcd3 package's STM does, meets "future revision" while this lasts).
 */
async function visibility(t: Target, prefix: string, seconds: number): Promise<{ p50: number; p99: number }> {
  const delays: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < deadline; n++) {
    const key = Buffer.from(`${prefix}/${n % 100}`);
    const revision = await t.client.put(t.leader, key, valueOf(`${prefix}/${n}`));
    const acked = performance.now();
    for (;;) {
      const kv = await t.client.get(t.follower, key, { serializable: true });
      const waited = performance.now() - acked;
      if ((kv?.modRevision ?? 0) >= revision) {
        delays.push(waited);
        break;
      }
      if (waited > VISIBLE_WITHIN_MS) throw new Error(`${t.name}: a put acknowledged at revision ${revision} was not on ${t.follower} within ${VISIBLE_WITHIN_MS} ms`);
    }
  }
  delays.sort((a, b) => a - b);
  return { p50: quantile(delays, 0.5), p99: quantile(delays, 0.99) };
}

/** Follower visibility: a put's acknowledgement by the leader to a follower serving it. */
async function visibilityPhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  progress(`${AREA}: follower visibility, puts at 1 in flight`);
  const p50: Samples = new Map(targets.map((t) => [t.name, []]));
  const p99 = await interleaved(targets, async (t, rep) => {
    const v = await visibility(t, `visible/${rep}`, plan.secondsPerRep);
    p50.get(t.name)!.push(v.p50);
    return v.p99;
  });
  return [figureIn(AREA, 'follower_visibility_p50', 'ms', p50, atMost(2)), figureIn(AREA, 'follower_visibility_p99', 'ms', p99)];
}

/** STM transactions in flight in the STM phase, each on its own keys (so none conflicts with another). */
const STM_IN_FLIGHT = 4;

/**
 * The etcd3 package's STM (SerializableSnapshot, its default) on every member, for `seconds`: each
 * transaction reads two keys and writes one. Its first read is linearizable on a random member,
 * its second serializable at the first's revision on another random member, which answers
 * "required revision is a future revision" if it has not applied that far (issue 58). Returns
 * those errors per 1,000 transactions.
 */
async function stmFutureRevisions(t: Target, tag: string, seconds: number): Promise<number> {
  const client = new Etcd3({ hosts: t.endpoints.map((e) => `http://${e}`) });
  let transactions = 0;
  let future = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (w: number): Promise<void> => {
    for (; performance.now() < deadline; transactions++) {
      try {
        await client.stm().transact(async (tx) => {
          const a = Number((await tx.get(`stm/${tag}/${w}/a`).string()) ?? 0);
          await tx.get(`stm/${tag}/${w}/b`).string();
          await tx.put(`stm/${tag}/${w}/a`).value(String(a + 1));
        });
      } catch (err) {
        if (!/future revision/.test(String(err))) throw err;
        future++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: STM_IN_FLIGHT }, (_, w) => worker(w)));
  } finally {
    client.close();
  }
  return (future / Math.max(1, transactions)) * 1000;
}

/** How often the etcd3 STM meets a follower that has not applied what the leader acknowledged. */
async function stmPhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  progress(`${AREA}: etcd3 STM transactions, ${STM_IN_FLIGHT} in flight`);
  const rate = await interleaved(targets, (t, rep) => stmFutureRevisions(t, String(rep), plan.secondsPerRep));
  return [figureIn(AREA, 'stm_future_revision_per_1k', 'errors', rate, ratioAtMost(2))];
}

/** Delivery times of one run: from each put's send to its event's arrival on the watch stream; and the puts' own p99 (send to acknowledgement), so that a late event is told apart from a late write. */
interface Delivery {
  readonly p50: number;
  readonly p99: number;
  readonly ackP99: number;
}

/**
 * Puts at WATCH_IN_FLIGHT in flight for `seconds`, each with a value naming it, to keys that
 * `stream` watches; each event is timed from its put's send (an event may arrive before the put's
 * acknowledgement does, so the acknowledgement is no origin). Every put's event must arrive.
 */
async function delivery(t: Target, streams: readonly EtcdWatchStream[], keyOf: (w: number, n: number) => string, tag: string, seconds: number): Promise<Delivery> {
  const sentAt = new Map<string, number>();
  const delays: number[] = [];
  const acks: number[] = [];
  const stops = streams.map((stream) => stream.onEvents((_, events) => {
    const now = performance.now();
    for (const e of events) {
      const id = e.kv.value.toString().replace(/x+$/, '');
      const t0 = sentAt.get(id);
      if (t0 === undefined) continue;
      delays.push(now - t0);
      sentAt.delete(id);
    }
  }));
  try {
    await runFor(async (w, n) => {
      const id = `${tag}/${w}/${n}`;
      const t0 = performance.now();
      sentAt.set(id, t0);
      await put(t, keyOf(w, n), valueOf(id));
      acks.push(performance.now() - t0);
    }, WATCH_IN_FLIGHT, seconds);
    const deadline = performance.now() + DRAIN_MS;
    while (sentAt.size > 0 && performance.now() < deadline) await sleep(10);
  } finally {
    for (const stop of stops) stop();
  }
  if (sentAt.size > 0) throw new Error(`${t.name}: ${sentAt.size} of ${sentAt.size + delays.length} acknowledged puts reached no watcher within ${DRAIN_MS / 1000} s`);
  delays.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return { p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), ackP99: quantile(acks, 0.99) };
}

/** How many watchers the watchers phase puts on one stream. */
const WATCHERS_PER_STREAM = 1_000;

/** Watch delivery with one prefix watcher on a follower. */
async function watchPhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  progress(`${AREA}: watch delivery, puts at ${WATCH_IN_FLIGHT} in flight`);
  const streams = new Map<BenchSystem['name'], EtcdWatchStream>();
  try {
    for (const t of targets) {
      const stream = await t.client.watchStream(t.follower);
      streams.set(t.name, stream);
      await stream.create(Buffer.from('watch/'), { rangeEnd: Buffer.from('watch0') });
    }
    const p50: Samples = new Map(targets.map((t) => [t.name, []]));
    const ackP99: Samples = new Map(targets.map((t) => [t.name, []]));
    const p99 = await interleaved(targets, async (t, rep) => {
      const d = await delivery(t, [streams.get(t.name)!], (w, n) => `watch/${rep}/${w}/${n}`, `w${rep}`, plan.secondsPerRep);
      p50.get(t.name)!.push(d.p50);
      ackP99.get(t.name)!.push(d.ackP99);
      return d.p99;
    });
    return [
      figureIn(AREA, 'watch_send_to_event_p50', 'ms', p50),
      figureIn(AREA, 'watch_send_to_event_p99', 'ms', p99, ratioAtMost(1.0)),
      figureIn(AREA, 'watch_put_ack_p99', 'ms', ackP99),
    ];
  } finally {
    for (const s of streams.values()) s.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS of the member serving `endpoint`, MB. */
function rssMb(t: Target, endpoint: string): number {
  const pid = t.pidOf(endpoint);
  if (pid === undefined) throw new Error(`${t.name}: no process serves ${endpoint}`);
  return rssOf(pid) / MB;
}

/**
 * `plan.watchers` watchers on one follower of each system, one key each, 1,000 to a Watch stream
 * (etcd's clients multiplex a context's watchers on one; fleet takes 1,024 a stream, docs/security.md):
 * the member's RSS before and after, the time to open them, and delivery with them open (each put
 * touches one watched key).
 */
async function watchersPhase(targets: readonly Target[], plan: Plan): Promise<BenchFigure[]> {
  const n = plan.watchers;
  const k = `${n / 1000}k`;
  progress(`${AREA}: ${n.toLocaleString('en-US')} watchers on one member`);
  const before: Samples = new Map();
  const after: Samples = new Map();
  const open: Samples = new Map();
  const streams = new Map<BenchSystem['name'], EtcdWatchStream[]>();
  try {
    for (const t of targets) {
      await sleep(1_000);
      before.set(t.name, [rssMb(t, t.follower)]);
      const opened = await Promise.all(Array.from({ length: Math.ceil(n / WATCHERS_PER_STREAM) }, () => t.client.watchStream(t.follower)));
      streams.set(t.name, opened);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: n }, (_, i) => opened[Math.floor(i / WATCHERS_PER_STREAM)]!.create(Buffer.from(`watchers/${i}`))));
      open.set(t.name, [performance.now() - t0]);
      await sleep(1_000);
      after.set(t.name, [rssMb(t, t.follower)]);
    }
    progress(`${AREA}: watch delivery with ${n.toLocaleString('en-US')} watchers open`);
    const p99 = await interleaved(targets, async (t, rep) => (await delivery(t, streams.get(t.name)!, (w, i) => `watchers/${(w * 7919 + i * 104_729) % n}`, `m${rep}`, plan.secondsPerRep)).p99);
    return [
      figureIn(AREA, `rss_before_${k}_watchers`, 'MB', before),
      figureIn(AREA, `rss_${k}_watchers`, 'MB', after),
      figureIn(AREA, `open_${k}_watchers`, 'ms', open),
      figureIn(AREA, `watch_p99_${k}_watchers`, 'ms', p99),
    ];
  } finally {
    for (const s of [...streams.values()].flat()) s.close();
  }
}

/** The installed etcdctl, whole process, against every member of each system, interleaved. */
async function etcdctlPhase(targets: readonly Target[], plan: Plan, etcdctl: string): Promise<BenchFigure[]> {
  progress(`${AREA}: etcdctl endpoint status and get, ${plan.etcdctlRuns} runs each`);
  for (const t of targets) await put(t, 'bench/etcdctl', valueOf('etcdctl'));
  const run = (t: Target, ...args: string[]): Promise<number> => timed(etcdctl, ['--endpoints', t.endpoints.join(','), ...args], { ...process.env, ETCDCTL_API: '3' });
  const status = await interleaved(targets, (t) => run(t, 'endpoint', 'status'), plan.etcdctlRuns);
  const get = await interleaved(targets, (t) => run(t, 'get', 'bench/etcdctl'), plan.etcdctlRuns);
  return [figureIn(AREA, 'etcdctl_endpoint_status', 'ms', status, ratioAtMost(1.1)), figureIn(AREA, 'etcdctl_get', 'ms', get, ratioAtMost(1.1))];
}

/**
 * Starts a fleet cluster and (where installed) an etcd cluster, each with a Target, runs `phases`
 * on them with etcdctl's path (undefined without etcd), and stops everything.
 */
export async function withEtcdTargets(area: string, phases: (targets: readonly Target[], etcdctl: string | undefined) => Promise<BenchFigure[]>): Promise<BenchFigure[]> {
  const etcd = findEtcd();
  const systems: BenchSystem[] = [];
  const targets: Target[] = [];
  try {
    // No client token: etcdctl cannot present fleet's Bearer token (FLEET_BENCH_TOKEN is not used here).
    const fleet = await FleetSystem.start([], { peerAuth: 'secret', token: '' });
    systems.push(fleet);
    targets.push(await fleetTarget(fleet));
    if (etcd === undefined) console.log(`${area}: ${ETCD_INSTALL_HINT}`);
    else {
      const e = await EtcdSystem.start();
      systems.push(e);
      targets.push(await etcdTarget(e));
    }
    return await phases(targets, etcd?.etcdctl);
  } finally {
    for (const t of targets) t.client.close();
    for (const s of systems) await s.stop();
  }
}

/** Starts both systems (etcd only where installed), runs the phases, stops everything. */
export function benchEtcdApi(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const plan = planOf(opts.quick);
  return withEtcdTargets(AREA, async (targets, etcdctl) => {
    const figures = [...(await writePhase(targets, plan)), ...(await visibilityPhase(targets, plan)), ...(await stmPhase(targets, plan)), ...(await watchPhase(targets, plan)), ...(await watchersPhase(targets, plan))];
    if (etcdctl !== undefined) figures.push(...(await etcdctlPhase(targets, plan, etcdctl)));
    return figures;
  });
}
