/**
 * Automatic compaction of the etcd keyspace's history, as etcd's `--auto-compaction-mode` and
 * `--auto-compaction-retention` (node start's `--etcd-auto-compaction-*`). Only the leader
 * compacts, through the log (a `compact` entry, so every member drops the same history); every
 * member keeps sampling, so a new leader carries on at once.
 *
 * - `revision`: every 5 minutes, keep the newest `retention` revisions: compact to revision −
 *   retention, when that is past the last compaction.
 * - `periodic`: keep `retention` (a duration) of history: the revision is sampled every tenth of
 *   the retention (at most every 6 minutes), and once the retention has passed, every retention
 *   (at most every hour) the store is compacted to the newest sample at least that old.
 */
import type { MvccStore } from '../../etcd-store/mvcc.js';
import type { EtcdAnswer, EtcdOp } from '../../etcd-store/replica.js';

export type AutoCompaction = { readonly mode: 'revision'; readonly retention: number } | { readonly mode: 'periodic'; readonly retentionMs: number };

/** What the compactor needs of the member. */
export interface CompactingNode {
  readonly id: string;
  etcdStore(): MvccStore;
  submitEtcd(op: EtcdOp): Promise<{ value: EtcdAnswer; index: number }>;
  leadership(): { term: number; leader: string };
}

/** etcd's revision compactor checks this often. */
export const REVISION_CHECK_MS = 5 * 60_000;
const HOUR_MS = 60 * 60_000;

/** How often the compactor looks, and how often it may compact (periodic mode: etcd's schedule). */
export function scheduleOf(c: AutoCompaction): { sampleMs: number; compactEveryMs: number } {
  if (c.mode === 'revision') return { sampleMs: REVISION_CHECK_MS, compactEveryMs: REVISION_CHECK_MS };
  const compactEveryMs = Math.min(c.retentionMs, HOUR_MS);
  return { sampleMs: Math.max(1, Math.floor(compactEveryMs / 10)), compactEveryMs };
}

/**
 * The revision to compact to now, or undefined: from the samples (time, revision) taken so far,
 * oldest first, the store's compaction point, and the time of the last compaction.
 */
export function compactionTarget(c: AutoCompaction, now: number, samples: readonly { at: number; revision: number }[], store: { revision: number; compactRevision: number }, started: number, lastCompaction: number): number | undefined {
  let target: number | undefined;
  if (c.mode === 'revision') {
    target = store.revision - c.retention;
  } else {
    const { compactEveryMs } = scheduleOf(c);
    if (now - started < c.retentionMs || now - lastCompaction < compactEveryMs) return undefined;
    for (const s of samples) if (now - s.at >= c.retentionMs) target = s.revision;
  }
  return target !== undefined && target > store.compactRevision && target <= store.revision ? target : undefined;
}

/** Starts compacting on `node`'s schedule; the returned function stops it. */
export function startAutoCompaction(node: CompactingNode, c: AutoCompaction, onError: (err: unknown, revision: number) => void, clock: () => number = Date.now): () => void {
  const { sampleMs } = scheduleOf(c);
  const started = clock();
  const samples: { at: number; revision: number }[] = [];
  let lastCompaction = started;
  let compacting = false;
  const tick = (): void => {
    const now = clock();
    const store = node.etcdStore();
    samples.push({ at: now, revision: store.revision });
    // Only the samples that may still be the newest one old enough, and the one just older.
    while (c.mode === 'periodic' && samples.length > 1 && now - samples[1]!.at >= c.retentionMs) samples.shift();
    if (c.mode === 'revision' && samples.length > 1) samples.shift();
    if (compacting || node.leadership().leader !== node.id) return;
    const target = compactionTarget(c, now, samples, store, started, lastCompaction);
    if (target === undefined) return;
    compacting = true;
    node.submitEtcd({ type: 'compact', revision: target }).then(
      () => {
        lastCompaction = clock();
      },
      (err: unknown) => onError(err, target),
    ).finally(() => (compacting = false));
  };
  const timer = setInterval(tick, sampleMs);
  timer.unref();
  return () => clearInterval(timer);
}
