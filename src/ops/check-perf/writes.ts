/**
 * The cluster's write latency and throughput: `concurrency` workers each put keys one after
 * another for a while, under a prefix of their own, over a small key set per worker so that the
 * clean-up afterwards is bounded whatever the throughput was.
 */
import { summarize, type LatencySummary } from './latency.js';

/** Every key `fleet check perf` writes starts with this; nothing else may use it. */
export const PERF_PREFIX = '__check_perf/';

/** Distinct keys per worker: writes cycle over them, so a run leaves at most this many per worker to delete. */
const KEYS_PER_WORKER = 8;

/** A value of a typical registry record's size. */
const VALUE = 'x'.repeat(256);

/** What the measurement needs of a client (FleetClient has it). */
export interface KvWriter {
  kvPut(key: string, value: string): Promise<unknown>;
  kvDelete(key: string): Promise<unknown>;
  kvList(opts: { prefix: string; after?: string; limit?: number }): Promise<{ readonly items: readonly { readonly key: string }[]; readonly next?: string }>;
}

/** One round of writes at one concurrency. `throughput` counts acknowledged writes only. */
export interface WriteRound extends LatencySummary {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly failed: number;
  /** Acknowledged writes per second. */
  readonly throughput: number;
  /** The first failure's message, when some failed. */
  readonly firstError?: string;
}

/** One round: how many workers, for how long, under which run's prefix, and the set that records every key written. */
export interface WriteRoundOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  /** The run's own prefix under PERF_PREFIX (`__check_perf/<run>/`). */
  readonly prefix: string;
  /** Every key put (or tried) is added here, for the clean-up. */
  readonly written: Set<string>;
  readonly signal?: AbortSignal | undefined;
  readonly onWrite?: (() => void) | undefined;
}

/** Runs one round of writes; a failed write is counted (with the first error kept) and the worker goes on. */
export async function measureWrites(client: KvWriter, opts: WriteRoundOptions): Promise<WriteRound> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; performance.now() - t0 < opts.durationMs && !opts.signal?.aborted; i++) {
      const key = `${opts.prefix}c${opts.concurrency}-w${w}-k${i % KEYS_PER_WORKER}`;
      opts.written.add(key);
      const start = performance.now();
      try {
        await client.kvPut(key, VALUE);
        latencies.push(performance.now() - start);
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      opts.onWrite?.();
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  const durationMs = performance.now() - t0;
  const round = { concurrency: opts.concurrency, durationMs, failed, throughput: (latencies.length * 1_000) / durationMs, ...summarize(latencies) };
  return firstError === undefined ? round : { ...round, firstError };
}

/** What the clean-up did: keys deleted, and those still under the prefix afterwards (0 when clean). */
export interface CleanUp {
  readonly deleted: number;
  readonly left: number;
}

/**
 * Deletes the keys a run wrote, then any other key under PERF_PREFIX (left by a run that was
 * killed before its clean-up), and counts what is still there. Eight deletes in flight at a time.
 */
export async function cleanUpKeys(client: KvWriter, written: ReadonlySet<string>): Promise<CleanUp> {
  let deleted = await deleteAll(client, [...written]);
  const leftovers = await listPrefix(client);
  deleted += await deleteAll(client, leftovers);
  return { deleted, left: (await listPrefix(client)).length };
}

async function deleteAll(client: KvWriter, keys: readonly string[]): Promise<number> {
  let next = 0;
  let deleted = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      await client.kvDelete(keys[next++]!);
      deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
  return deleted;
}

async function listPrefix(client: KvWriter): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await client.kvList({ prefix: PERF_PREFIX, limit: 500, ...(after === undefined ? {} : { after }) });
    keys.push(...page.items.map((e) => e.key));
    if (page.next === undefined || page.items.length === 0) break;
    after = page.next;
  }
  return keys;
}
