/**
 * Ad-hoc (not part of `npm run bench`): what beginning a registry image costs, the turn the
 * snapshot job is made in, against the steps that follow. A registry that applied N fleet KV puts
 * from 8 pipelined clients (remembered answers, a full audit ring), then five images in a row:
 * the constructor's time, the number of steps, the longest step and the whole.
 *
 *   node --import tsx bench/registry-image-probe.ts [N=100000]
 */
import { FleetStateMachine, encodeCommand, type CommandEnvelope } from '../src/core/fleet/index.js';

const writes = Number(process.argv[2] ?? 100_000);
const CLIENTS = 8;
const IN_FLIGHT = 64;
const T0 = 1_700_000_000_000;
const sm = new FleetStateMachine();
const seqs = new Array<number>(CLIENTS).fill(0);
const value = 'x'.repeat(256);
for (let i = 1; i <= writes; i++) {
  const c = i % CLIENTS;
  const seq = ++seqs[c]!;
  const envelope: CommandEnvelope = { clientId: `client-${c}`, seq, firstIncomplete: Math.max(1, seq - IN_FLIGHT), time: T0 + i, op: { type: 'kv.put', key: `fill/${i % 100_000}`, value } };
  sm.apply(i, encodeCommand(envelope));
}
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  const job = sm.beginSnapshot();
  const begun = performance.now() - t0;
  const steps = job.steps();
  let count = 0;
  let longest = 0;
  let last = performance.now();
  while (!steps.next().done) {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    count++;
  }
  console.log(`begin ${begun.toFixed(1)} ms, ${count} steps, longest ${longest.toFixed(1)} ms, all ${(performance.now() - t0).toFixed(0)} ms`);
}
