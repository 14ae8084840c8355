// Ad-hoc (not part of `npm run bench`): what a fleet KV write costs a member to apply, with the
// KV in the registry's own map (a cluster before data format 5) and in the etcd keyspace (after
// the move, fleet/kv-location.ts): ENTRIES puts of new keys, then ENTRIES overwrites of 1,000.
// WATCHERS=N attaches N `fleet watch` watchers first, each on a namespace of its own that no put
// writes: what a write costs the feed's watchers it does not concern.
// Usage: [WATCHERS=N] node --import tsx bench/kv-keyspace-probe.ts registry|keyspace [ENTRIES]
import { encodeCommand, type Command } from '../src/core/fleet/index.js';
import { systemRuntime } from '../src/core/node/runtime.js';
import { MemberState } from '../src/core/node/state/member-state.js';

const where = process.argv[2] === 'keyspace' ? 'keyspace' : 'registry';
const entries = Number(process.argv[3] ?? 20_000);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const state = await MemberState.recover({ entries: [], members: new Map() }, { rt: systemRuntime, logger: quiet, sectionedImages: () => true });
let index = 0;
const apply = (op: Command): void => void state.apply({ index: ++index, term: 1, type: 'normal', data: encodeCommand({ clientId: 'c1', seq: index, firstIncomplete: index, time: 1, op }) });
if (where === 'keyspace') apply({ type: 'kv.cas', ns: 'fleet.system', key: 'cluster-version', expected: null, value: JSON.stringify({ version: 'probe', dataFormat: 5 }) });
const watchers = Number(process.env.WATCHERS ?? 0);
for (let i = 0; i < watchers; i++) state.changes.watch(index + 1, { registry: 'kv', ns: `app${i}`, prefix: '' }, { batch() {}, reset() {} });
const value = 'x'.repeat(256);
const perEntry = (run: (i: number) => void): string => {
  const t0 = performance.now();
  for (let i = 0; i < entries; i++) run(i);
  return (((performance.now() - t0) * 1000) / entries).toFixed(1);
};
const fresh = perEntry((i) => apply({ type: 'kv.put', ns: '', key: `fill/${i}`, value }));
const over = perEntry((i) => apply({ type: 'kv.put', ns: '', key: `fill/${i % 1000}`, value }));
console.log(`${where}: ${fresh} µs/entry for new keys, ${over} µs/entry overwriting, ${entries} entries each, ${watchers} watchers elsewhere`);
