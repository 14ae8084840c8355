/**
 * check perf's cleanup, one DeleteRange of the 60,000 keys of 512 bytes it wrote: applied in one
 * turn (`MvccStore.txn`, what a member did before) against in steps (`MvccStore.txnSteps`, what
 * the apply queue runs a step per slice), then the compaction that drops its tombstones, in steps.
 * Prints the whole time and the longest step of each.
 * Run: node --import tsx bench/delete-steps-probe.ts [keys]
 */
import { MvccStore, type TxnRequest } from '../src/core/etcd-store/mvcc.js';

const keys = Number(process.argv[2] ?? 60_000);
const value = new Uint8Array(512).fill(0x61);
const cleanup: TxnRequest = { success: [{ deleteRange: { key: Buffer.from('/perf/'), rangeEnd: Buffer.from('/perf0') } }] };

function filled(): MvccStore {
  const s = new MvccStore(1);
  for (let i = 0; i < keys; i++) s.put({ key: Buffer.from(`/perf/${i}`), value });
  return s;
}

function longestOf(run: Generator<void, unknown, undefined>): { steps: number; allMs: number; longestMs: number } {
  const t = performance.now();
  let longestMs = 0;
  let steps = 0;
  for (;;) {
    const at = performance.now();
    const done = run.next().done === true;
    longestMs = Math.max(longestMs, performance.now() - at);
    steps++;
    if (done) return { steps, allMs: performance.now() - t, longestMs };
  }
}

for (let round = 0; round < 3; round++) {
  let s = filled();
  let t = performance.now();
  s.txn(cleanup);
  const oneTurnMs = performance.now() - t;

  s = filled();
  t = performance.now();
  let longestMs = 0;
  let steps = 0;
  const run = s.txnSteps(cleanup);
  for (;;) {
    const at = performance.now();
    const done = run.next().done === true;
    longestMs = Math.max(longestMs, performance.now() - at);
    steps++;
    if (done) break;
  }
  const steppedMs = performance.now() - t;
  console.log(`${keys} keys deleted: one turn ${oneTurnMs.toFixed(0)} ms; in ${steps} steps ${steppedMs.toFixed(0)} ms in all, longest step ${longestMs.toFixed(1)} ms`);
  const compaction = longestOf(s.compactSteps(s.revision));
  console.log(`  then compacted: ${compaction.steps} steps, ${compaction.allMs.toFixed(0)} ms in all, longest step ${compaction.longestMs.toFixed(1)} ms`);
}
