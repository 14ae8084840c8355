// Writes the layer diagram and the import rules of docs/architecture.md from the code's own
// imports (dependency-cruiser, collapsed to one box per layer and per core part) and the rules in
// .dependency-cruiser.cjs, between the markers `<!-- layers:begin -->` and `<!-- layers:end -->`.
// A hand-drawn diagram drifted from the code twice; this one cannot: `npm test`'s checks run
// `node scripts/layer-diagram.mjs --check`, which fails when the file is not what this writes.
//
//   npm run docs:layers            rewrite the section
//   node scripts/layer-diagram.mjs --check
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = `${root}docs/architecture.md`;
const BEGIN = '<!-- layers:begin -->';
const END = '<!-- layers:end -->';

/** A box: a top-level folder of src, a part of src/core, or a file standing alone at either level. */
const LAYER = /^src\/(core\/[^/]+|[^/]+)/;
const layerOf = (path) => LAYER.exec(path)?.[0];
/** Leaves every layer may import: drawn once, as a note, rather than as an arrow from each box. */
const LEAVES = new Set(['src/common', 'src/core/invariant.ts']);

function cruise() {
  // The package exports no path to its command; it is installed beside us all the same.
  const bin = `${root}node_modules/dependency-cruiser/bin/dependency-cruise.mjs`;
  // Not --collapse: a collapsed edge keeps the kind of the first import it met, not of all of them.
  const out = execFileSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString());
}

/** How one layer reaches another: 'static' beats 'dynamic' beats 'types' when several imports join them. */
function kindOf(dependency) {
  if (dependency.dynamic) return 'dynamic';
  if (dependency.dependencyTypes.includes('type-only')) return 'types';
  return 'static';
}
const RANK = { static: 0, dynamic: 1, types: 2 };

function edgesOf(result) {
  const edges = new Map();
  for (const m of result.modules) {
    const from = layerOf(m.source);
    if (from === undefined) continue;
    for (const d of m.dependencies) {
      const to = layerOf(d.resolved);
      if (to === undefined || to === from || LEAVES.has(to)) continue;
      const key = `${from} ${to}`;
      const kind = kindOf(d);
      if (!edges.has(key) || RANK[kind] < RANK[edges.get(key)]) edges.set(key, kind);
    }
  }
  return [...edges].map(([key, kind]) => ({ from: key.split(' ')[0], to: key.split(' ')[1], kind })).sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to));
}

const idOf = (layer) => layer.replace(/^src\//, '').replace(/[^a-z0-9]/gi, '_');
const ARROW = { static: '-->', dynamic: '-. dynamic .->', types: '-. types .->' };

function mermaid(edges) {
  const layers = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  const lines = ['```mermaid', 'flowchart TD'];
  for (const layer of layers) lines.push(`  ${idOf(layer)}["${layer.replace(/^src\//, '')}"]`);
  for (const e of edges) lines.push(`  ${idOf(e.from)} ${ARROW[e.kind]} ${idOf(e.to)}`);
  lines.push('```');
  return lines.join('\n');
}

function rulesTable() {
  const { forbidden } = createRequire(import.meta.url)(`${root}.dependency-cruiser.cjs`);
  const rows = forbidden.map((r) => `| \`${r.name}\` | ${r.comment.replace(/\|/g, '\\|').replace(/\s+/g, ' ')} |`);
  return ['| rule | what it keeps true |', '| --- | --- |', ...rows].join('\n');
}

function section(result) {
  return [
    BEGIN,
    '<!-- Written by `npm run docs:layers` (scripts/layer-diagram.mjs) from the imports of src and .dependency-cruiser.cjs; `npm test` fails when it is stale. -->',
    '',
    'Each box is a folder of `src` (in `src/core`, each part); an arrow is an import, dotted when only',
    'a dynamic `import()` or only types cross. Every box may import `src/common` and',
    '`src/core/invariant.ts`, both leaves; their arrows are left out.',
    '',
    mermaid(edgesOf(result)),
    '',
    'The rules `npm run deps` enforces (`.dependency-cruiser.cjs`):',
    '',
    rulesTable(),
    END,
  ].join('\n');
}

const text = readFileSync(doc, 'utf8');
const begin = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (begin < 0 || end < begin) {
  console.error(`docs/architecture.md has no ${BEGIN} … ${END} section to write`);
  process.exit(1);
}
const next = text.slice(0, begin) + section(cruise()) + text.slice(end + END.length);
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/architecture.md: the layer diagram is stale; run `npm run docs:layers`');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(doc, next);
  console.log('wrote the layer diagram of docs/architecture.md');
}
