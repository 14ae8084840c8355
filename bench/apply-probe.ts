// Ad-hoc (not part of `npm run bench`): the registry's apply cost per entry for the writes a
// member replays at restart and applies in catch-up — KV puts from a client session, stamped
// with who asked (so audited), with the node's change feed attached, as a member runs it.
// Usage: node --import tsx bench/apply-probe.ts [ENTRIES] [KEYS] [REPS]
import { ChangeFeed, DEFAULT_FEED_LIMITS, FleetStateMachine, encodeCommand } from '../src/core/fleet/index.js';

const entries = Number(process.argv[2] ?? 20_000);
const keys = Number(process.argv[3] ?? 16);
const reps = Number(process.argv[4] ?? 7);
const value = 'x'.repeat(64);
const data = Array.from({ length: entries }, (_, i) =>
  encodeCommand({ clientId: 'c1', seq: i, firstIncomplete: i, time: 1_700_000_000_000 + i, age: i, ...(process.env.NOBY ? {} : { by: { token: 'token', client: 'bench@host' } }), op: { type: 'kv.put', key: `k/${i % keys}`, value } }),
);
const times: number[] = [];
for (let r = 0; r < reps; r++) {
  const sm = new FleetStateMachine();
  sm.changes = new ChangeFeed(DEFAULT_FEED_LIMITS);
  const t0 = performance.now();
  for (let i = 0; i < entries; i++) sm.apply(i + 1, data[i]!);
  times.push(((performance.now() - t0) * 1000) / entries);
}
times.sort((a, b) => a - b);
console.log(`apply: median ${times[Math.floor(times.length / 2)]!.toFixed(2)} µs/entry (min ${times[0]!.toFixed(2)}, max ${times.at(-1)!.toFixed(2)}), ${entries} entries over ${keys} keys`);
