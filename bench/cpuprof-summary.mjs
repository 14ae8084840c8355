#!/usr/bin/env node
// Summarises a .cpuprofile: self and inclusive time by function, by file/package, and a time
// line of buckets. Bundled code (dist/bundle/*.js) is mapped back to its sources with the
// bundle's .map file beside it (when there is one; needs source-map-js from the worktree).
//
//   node cpuprof-summary.mjs FILE.cpuprofile [--from MS] [--to MS] [--top N] [--buckets MS] [--json OUT]
//   (--from/--to: ms since the profile's start)
import console from 'node:console';
import process from 'node:process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : args[i + 1];
};
const fromMs = Number(opt('from', 0));
const toMs = Number(opt('to', Infinity));
const top = Number(opt('top', 25));
const bucketMs = Number(opt('buckets', 0));
const jsonOut = opt('json', undefined);

// Optional: source-map-js (a dependency of the build tools) maps bundle positions to sources.
let SourceMapConsumer;
try {
  ({ SourceMapConsumer } = createRequire(import.meta.url)('source-map-js'));
} catch {
  SourceMapConsumer = undefined;
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const maps = new Map();
function consumerFor(url) {
  if (!SourceMapConsumer || !url.includes('/dist/bundle/')) return undefined;
  if (maps.has(url)) return maps.get(url);
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  let c;
  if (existsSync(`${path}.map`)) c = new SourceMapConsumer(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
  maps.set(url, c);
  return c;
}

/** Where a source path belongs: a package, our source, node internals. */
function groupOf(src, fnName) {
  if (!src) {
    if (fnName.startsWith('(')) return fnName; // (garbage collector), (program), (idle), (root)
    return '(native/builtin)';
  }
  const nm = src.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = src.slice(nm + 13).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (src.startsWith('node:')) return `node:${src.slice(5).split('/').slice(0, 2).join('/')}`;
  const m = /(?:^|\/)(src|dist|bench|bin|scripts)\/(.*)$/.exec(src);
  if (m) {
    const p = m[2].replace(/\.(js|ts)$/, '');
    const parts = p.split('/');
    return `fleet:${parts.slice(0, Math.min(parts.length, 3)).join('/')}`;
  }
  return src;
}

const info = new Map();
function infoOf(id) {
  if (info.has(id)) return info.get(id);
  const cf = nodes.get(id).callFrame;
  let name = cf.functionName || '(anonymous)';
  let src = cf.url;
  let line = cf.lineNumber + 1;
  const c = consumerFor(cf.url);
  if (c && cf.lineNumber >= 0) {
    const pos = c.originalPositionFor({ line: cf.lineNumber + 1, column: cf.columnNumber });
    if (pos.source) {
      src = pos.source.replace(/^(\.\.\/)+/, '');
      line = pos.line;
      if (pos.name && !cf.functionName) name = pos.name;
    }
  }
  src = (src || '').replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  const group = groupOf(src, name);
  const r = { key: `${name} ${src ? `${src.replace(/^.*node_modules\//, '')}:${line}` : ''}`.trim(), group, file: src || name };
  info.set(id, r);
  return r;
}

// Sample times.
const times = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) {
  t += d;
  times.push(t);
}
const rel = (us) => (us - profile.startTime) / 1000;
const self = new Map();
const incl = new Map();
const selfGroup = new Map();
const inclGroup = new Map();
const selfFile = new Map();
const buckets = new Map();
let total = 0;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
for (let i = 0; i < profile.samples.length; i++) {
  const at = rel(times[i]);
  if (at < fromMs || at > toMs) continue;
  const dt = (i + 1 < times.length ? times[i + 1] - times[i] : profile.timeDeltas[i]) / 1000; // ms this sample stands for
  total += dt;
  const leaf = profile.samples[i];
  const li = infoOf(leaf);
  add(self, li.key, dt);
  add(selfGroup, li.group, dt);
  add(selfFile, li.file, dt);
  if (bucketMs > 0) {
    const b = Math.floor(at / bucketMs);
    if (!buckets.has(b)) buckets.set(b, new Map());
    add(buckets.get(b), li.group, dt);
  }
  const seenK = new Set();
  const seenG = new Set();
  for (let id = leaf; id !== undefined; id = parent.get(id)) {
    const x = infoOf(id);
    if (x.key === '(root)') continue;
    if (!seenK.has(x.key)) {
      seenK.add(x.key);
      add(incl, x.key, dt);
    }
    if (!seenG.has(x.group)) {
      seenG.add(x.group);
      add(inclGroup, x.group, dt);
    }
  }
}
const duration = rel(times[times.length - 1] ?? profile.startTime);
const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
const table = (title, m, n) => {
  console.log(`\n${title}\n| ms | % | item |\n| ---: | ---: | --- |`);
  for (const [k, v] of sorted(m).slice(0, n)) console.log(`| ${v.toFixed(1)} | ${((100 * v) / total).toFixed(1)} | ${k.replace(/\|/g, '\\|')} |`);
};
console.log(`${file}: ${profile.samples.length} samples over ${duration.toFixed(0)} ms; window ${fromMs}–${Math.min(toMs, duration).toFixed(0)} ms: ${total.toFixed(1)} ms sampled`);
table('Self time by group (package / our source dir / node internals)', selfGroup, top);
table('Inclusive time by group', inclGroup, top);
table('Self time by function', self, top);
table('Inclusive time by function', incl, top);
if (bucketMs > 0) {
  console.log(`\nTime line (${bucketMs} ms buckets from the profile start; top self groups, idle excluded)`);
  for (const [b, m] of [...buckets].sort((a, c) => a[0] - c[0])) {
    const busy = [...m].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
    const tops = sorted(m).filter(([k]) => k !== '(idle)').slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    console.log(`  ${String(b * bucketMs).padStart(6)}–${String((b + 1) * bucketMs).padEnd(6)} busy ${busy.toFixed(0).padStart(4)} ms: ${tops}`);
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ file, totalMs: total, selfGroup: sorted(selfGroup), inclGroup: sorted(inclGroup), self: sorted(self).slice(0, 200), incl: sorted(incl).slice(0, 200), selfFile: sorted(selfFile).slice(0, 200) }, null, 1));
