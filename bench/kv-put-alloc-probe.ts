// Ad-hoc (not part of `npm run bench`): what a fleet KV put leaves for the garbage collector when a
// member applies it (MemberState, change feed attached), by where it was allocated: V8's sampling
// heap profiler, counting objects collected since. A member runs with a 1 MB young generation
// (MEMBER_NODE_OPTIONS), so each MB here is about a scavenge of a restarted member's replay.
// Usage: node --import tsx bench/kv-put-alloc-probe.ts registry|keyspace [ENTRIES] [--by-function]
import { Session } from 'node:inspector/promises';
import { encodeCommand, type Command } from '../src/core/fleet/index.js';
import { systemRuntime } from '../src/core/node/runtime.js';
import { MemberState } from '../src/core/node/state/member-state.js';

interface ProfileNode { callFrame: { functionName: string; url: string }; selfSize: number; children: ProfileNode[] }

const where = process.argv[2] === 'keyspace' ? 'keyspace' : 'registry';
const entries = Number(process.argv[3] ?? 10_000);
const byFunction = process.argv.includes('--by-function');
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const state = await MemberState.recover({ entries: [], members: new Map() }, { rt: systemRuntime, logger: quiet, sectionedImages: () => true });
let index = 0;
const data = (op: Command): Uint8Array => encodeCommand({ clientId: 'c1', seq: index + 1, firstIncomplete: index + 1, time: 1, op });
const apply = (d: Uint8Array): void => void state.apply({ index: ++index, term: 1, type: 'normal', data: d });
if (where === 'keyspace') apply(data({ type: 'kv.cas', ns: 'fleet.system', key: 'cluster-version', expected: null, value: JSON.stringify({ version: 'probe', dataFormat: 5 }) }));
const value = 'x'.repeat(256);
const puts = Array.from({ length: entries }, (_, i) => encodeCommand({ clientId: 'c1', seq: index + i + 1, firstIncomplete: index + i + 1, time: 1, op: { type: 'kv.put', ns: '', key: `fill/${i}`, value } }));

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
for (const d of puts) apply(d);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };

/** Each sample's bytes by the innermost of our functions on its stack (or, with --by-function, by its own frame and three callers). */
const bytes = new Map<string, number>();
let total = 0;
const frame = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
const walk = (n: ProfileNode, stack: ProfileNode[]): void => {
  const here = [...stack, n];
  if (n.selfSize > 0) {
    const ours = [...here].reverse().find((f) => f.callFrame.url.includes('/src/'));
    const k = byFunction ? here.slice(-4).reverse().map(frame).join(' < ') : ours === undefined ? frame(n) : frame(ours);
    bytes.set(k, (bytes.get(k) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, []);
console.log(`${where}: ${(total / entries).toFixed(0)} B/put allocated (sampled), ${entries} puts of new keys`);
for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(v / entries).toFixed(0).padStart(6)}  ${k}`);
