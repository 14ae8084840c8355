/**
 * The auth area: what peer authentication costs. Three fleet clusters of 3 local members each,
 * alike but for how members authenticate each other — (a) no peer credentials, (b) a peer
 * secret (as `fleet init` starts them), (c) mutual TLS (every connection, the client's
 * included, over TLS with the operator's certificate) — driven by node's load: 256-byte writes
 * to distinct keys at 64 in flight (rate) and at 1 (p50). Each cluster is first filled with the
 * keys the writes then update in turn, so that every configuration measures the same work. The
 * configurations are measured interleaved (a, b, c, a, b, c …, 3 repetitions) and reported as
 * medians with their spread; (b) and (c) with their ratio to (a).
 */
import { progress } from './cleanup.js';
import { againstBaseline, fleetOnly, type BenchFigure } from './figures.js';
import type { PeerAuth } from './harness.js';
import { runCount, runFor, type LoadResult } from './load.js';
import { keyRing } from './node.js';
import { FleetSystem } from './systems.js';

const AREA = 'auth';
const REPS = 3;
/** The configurations, baseline first. */
const CONFIGS: readonly PeerAuth[] = ['none', 'secret', 'mtls'];

interface Plan {
  /** Keys written into each cluster before measuring; the measured writes update them in turn. */
  readonly keys: number;
  readonly secondsPerRep: number;
}

function planOf(quick: boolean): Plan {
  return quick ? { keys: 5_000, secondsPerRep: 1 } : { keys: 20_000, secondsPerRep: 5 };
}

type Cluster = { readonly auth: PeerAuth; readonly system: FleetSystem; readonly nextKey: () => string };

/** Starts one cluster per configuration, stopping those already started if one fails. */
async function startAll(plan: Plan): Promise<Cluster[]> {
  const started = await Promise.allSettled(CONFIGS.map((auth) => FleetSystem.start([], { peerAuth: auth })));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    for (const r of started) if (r.status === 'fulfilled') await r.value.stop();
    throw failed.reason;
  }
  return started.map((r, i) => ({ auth: CONFIGS[i]!, system: (r as PromiseFulfilledResult<FleetSystem>).value, nextKey: keyRing(plan.keys) }));
}

/** Runs `run` REPS times on every cluster, interleaved: none, secret, mtls, none … */
async function interleaved(clusters: readonly Cluster[], run: (c: Cluster) => Promise<LoadResult>): Promise<Map<PeerAuth, LoadResult[]>> {
  const out = new Map<PeerAuth, LoadResult[]>(clusters.map((c) => [c.auth, []]));
  for (let rep = 0; rep < REPS; rep++) for (const c of clusters) out.get(c.auth)!.push(await run(c));
  return out;
}

/** `writes_c64_none`, then the other configurations' figures with their ratio to it. */
function figuresOf(name: string, unit: string, results: Map<PeerAuth, LoadResult[]>, pick: (r: LoadResult) => number): BenchFigure[] {
  const baseline = fleetOnly(AREA, `${name}_none`, unit, results.get('none')!.map(pick));
  return [baseline, ...CONFIGS.slice(1).map((auth) => againstBaseline(AREA, `${name}_${auth}`, unit, results.get(auth)!.map(pick), baseline))];
}

export async function benchAuth(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const plan = planOf(opts.quick);
  progress(`auth: starting 3 clusters (${CONFIGS.join(', ')})`);
  const clusters = await startAll(plan);
  try {
    progress(`auth: ${plan.keys.toLocaleString('en-US')} keys into each cluster`);
    for (const c of clusters) await runCount((i) => c.system.put(`fill/${i}`), plan.keys, 64);
    const put = (c: Cluster): Promise<unknown> => c.system.put(c.nextKey());
    // Warm-up: connections, JIT, and each cluster's first batches.
    for (const c of clusters) await runFor(() => put(c), 16, 1);
    progress('auth: writes at 64 in flight');
    const c64 = await interleaved(clusters, (c) => runFor(() => put(c), 64, plan.secondsPerRep));
    progress('auth: writes at 1 in flight');
    const c1 = await interleaved(clusters, (c) => runFor(() => put(c), 1, plan.secondsPerRep));
    return [...figuresOf('writes_c64', 'writes/s', c64, (r) => r.rate), ...figuresOf('p50_c1', 'ms', c1, (r) => r.p50)];
  } finally {
    for (const c of clusters) await c.system.stop();
  }
}
