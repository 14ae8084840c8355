/**
 * The fleet registry at its target size: 1,000,000 clusters bound across 100 shards, built
 * through `apply()` exactly as a replica would (encoded envelopes, a pipelined client
 * session). Prints the apply rate, snapshot size and time, restore time, memory, and the
 * latency of a page of `listClusters({ shard })`.
 *
 *   node --import tsx bench/fleet-sm.ts [--clusters N]
 *   node --expose-gc --import tsx bench/fleet-sm.ts     (memory figures after a full GC)
 */
import { pathToFileURL } from 'node:url';
import { FleetStateMachine, decodeCommand, encodeCommand, type Command, type CommandEnvelope } from '../src/core/fleet/index.js';
import type { BenchFigure } from './figures.js';

const SHARDS = 100;
const IN_FLIGHT = 256;
const T0 = 1_700_000_000_000;
const MiB = 1024 * 1024;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const round2 = (x: number): number => Math.round(x * 100) / 100;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Heap and RSS after a full GC and a moment for V8 to hand freed pages back. */
async function memory(): Promise<{ heapMiB: number; rssMiB: number }> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  gc();
  const m = process.memoryUsage();
  return { heapMiB: m.heapUsed / MiB, rssMiB: m.rss / MiB };
}

/** A fixed permutation of 0..n-1 (multiplication by a prime coprime with n), so names arrive out of order. */
function scrambled(i: number, n: number): number {
  return Number((BigInt(i) * 1_000_003n) % BigInt(n));
}

class Feeder {
  index = 0;
  seq = 0;
  constructor(readonly machine: FleetStateMachine) {}

  envelope(op: Command): CommandEnvelope {
    const seq = ++this.seq;
    return { clientId: 'bench', seq, firstIncomplete: Math.max(1, seq - IN_FLIGHT), time: T0 + seq, op };
  }

  apply(data: Uint8Array): void {
    const r = this.machine.apply(++this.index, data);
    if (!r.ok) throw new Error(`entry ${this.index} refused: ${r.code} ${r.message}`);
  }
}

function registerShards(feeder: Feeder, capacity: number): void {
  for (let s = 0; s < SHARDS; s++) {
    const id = `shard-${String(s).padStart(3, '0')}`;
    const op: Command = { type: 'shard.register', id, address: `10.0.${s}.1:7000`, region: 'us-east-1', zone: `us-east-1${'abc'[s % 3]}`, capacity };
    feeder.apply(encodeCommand(feeder.envelope(op)));
  }
}

/** Applies `n` first contacts in batches, encoded ahead so that only apply() is timed. */
function bindClusters(feeder: Feeder, n: number): number {
  const batch = 10_000;
  let applyMs = 0;
  for (let start = 0; start < n; start += batch) {
    const datas: Uint8Array[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const k = scrambled(i, n);
      const op: Command = { type: 'cluster.contact', cluster: `cluster-${String(k).padStart(7, '0')}`, shard: `shard-${String(k % SHARDS).padStart(3, '0')}` };
      datas.push(encodeCommand(feeder.envelope(op)));
    }
    const t0 = now();
    for (const data of datas) feeder.apply(data);
    applyMs += now() - t0;
  }
  return applyMs;
}

/** Encode and decode+check cost of one small write, and of the bare JSON.parse inside the decode. */
function codecCost(feeder: Feeder): { encodeUs: number; decodeUs: number; parseUs: number } {
  const env = feeder.envelope({ type: 'cluster.contact', cluster: 'cluster-0000042', shard: 'shard-042' });
  const rounds = 200_000;
  const time = (f: () => unknown): number => {
    const t0 = now();
    for (let i = 0; i < rounds; i++) f();
    return ((now() - t0) * 1000) / rounds;
  };
  const data = encodeCommand(env);
  const text = Buffer.from(data).toString('utf8');
  return { encodeUs: time(() => encodeCommand(env)), decodeUs: time(() => decodeCommand(data)), parseUs: time(() => JSON.parse(text)) };
}

function pageLatency(machine: FleetStateMachine, pages: number): { avgMs: number; p99Ms: number } {
  const times: number[] = [];
  const cursors = new Map<string, string | undefined>();
  for (let i = 0; i < pages; i++) {
    const shard = `shard-${String((i * 37) % SHARDS).padStart(3, '0')}`;
    const t0 = now();
    const page = machine.listClusters({ shard, after: cursors.get(shard), limit: 100 });
    times.push(now() - t0);
    if (page.items.length !== 100) throw new Error(`short page for ${shard}`);
    cursors.set(shard, page.next);
  }
  times.sort((a, b) => a - b);
  return { avgMs: times.reduce((a, b) => a + b, 0) / pages, p99Ms: times[Math.floor(pages * 0.99)]! };
}

/** Builds the registry through apply(), snapshots it and reads from it; the machine dies with this call. */
async function buildPhase(n: number) {
  const feeder = new Feeder(new FleetStateMachine());
  registerShards(feeder, Math.ceil((n / SHARDS) * 1.2));
  const applyMs = bindClusters(feeder, n);
  const built = await memory();
  const codec = codecCost(feeder);
  const t0 = now();
  const image = feeder.machine.snapshot();
  const snapshotMs = now() - t0;
  const page = pageLatency(feeder.machine, 2_000);
  return { applyMs, built, codec, image, snapshotMs, page };
}

/** Builds the registry, then measures snapshot, restore and reads. */
export async function benchFleetStateMachine(opts: { quick: boolean; clusters?: number }): Promise<BenchFigure[]> {
  const n = opts.clusters ?? (opts.quick ? 200_000 : 1_000_000);
  const base = await memory();
  const { applyMs, built, codec, image, snapshotMs, page } = await buildPhase(n);
  // The restore is measured alone, as on a replica installing a snapshot.
  const beforeRestore = await memory();
  const t0 = now();
  const restored = FleetStateMachine.restore(image);
  const restoreMs = now() - t0;
  const afterRestore = await memory();
  const again = restored.snapshot();
  if (Buffer.compare(again, image) !== 0) throw new Error('restored registry does not snapshot to the same bytes');
  if (restored.counts().boundClusters !== n) throw new Error('restored registry lost clusters');

  const applyRate = Math.round((n / applyMs) * 1000);
  const rows: [string, number, string, string, boolean | null][] = [
    ['apply cluster.contact', applyRate, 'entries/s', 'report', null],
    ['encodeCommand (JSON)', round2(codec.encodeUs), 'µs/entry', 'report', null],
    ['decodeCommand (JSON+checks)', round2(codec.decodeUs), 'µs/entry', 'report', null],
    ['  of which JSON.parse', round2(codec.parseUs), 'µs/entry', 'report', null],
    ['snapshot size', Math.round((image.byteLength / MiB) * 10) / 10, 'MiB', 'report', null],
    ['snapshot time', Math.round(snapshotMs), 'ms', '< 3000', snapshotMs < 3000],
    ['restore time', Math.round(restoreMs), 'ms', '< 5000', restoreMs < 5000],
    ['rss at start', Math.round(base.rssMiB), 'MiB', 'report', null],
    ['heap of registry (built)', Math.round(built.heapMiB - base.heapMiB), 'MiB', 'report', null],
    ['rss after build', Math.round(built.rssMiB), 'MiB', '<= 400', built.rssMiB <= 400],
    ['heap of registry (restored)', Math.round(afterRestore.heapMiB - beforeRestore.heapMiB), 'MiB', 'report', null],
    ['rss after restore', Math.round(afterRestore.rssMiB), 'MiB', '<= 400', afterRestore.rssMiB <= 400],
    ['listClusters({shard}) avg', Math.round(page.avgMs * 1000), 'µs/page', 'report', null],
    ['listClusters({shard}) p99', Math.round(page.p99Ms * 1000), 'µs/page', 'report', null],
  ];
  return rows.map(([name, fleet, unit, goal, met]) => ({ area: 'fleet-sm', name, unit, fleet, etcd: null, goal, met }));
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--clusters');
  const clusters = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for memory after a full GC)');
  for (const f of await benchFleetStateMachine({ quick: false, clusters })) {
    console.log(`${f.name.padEnd(28)} ${f.fleet.toLocaleString('en-US').padStart(12)} ${f.unit.padEnd(10)} goal ${f.goal} ${f.met === null ? '' : f.met ? 'met' : 'MISSED'}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
