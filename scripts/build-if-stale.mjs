#!/usr/bin/env node
/**
 * `prepare` (npm install, npm ci, npm pack): `npm run build`, unless the build in this checkout
 * is current. `npm pack` ran the whole build every time (tsc, the precompiled protocol, the
 * manifest, the bundles: 30 s to well over a minute), though the tests had just built the same tree.
 *
 * The build is current when its last output, dist/bundle/inputs.json (written last by
 * scripts/bundle.ts, see bin/bundle.js), is newer than every input (sources, .proto files, the
 * build's scripts and config, the installed packages the bundles hold) and than every other file
 * of dist/ and the manifest (a bare `tsc` since leaves those newer, and the bundles stale). A fresh
 * clone has no dist/, so `npm ci` there still builds. `npm run build` always builds.
 *
 * Run: node scripts/build-if-stale.mjs [--check]   (--check: exit 1 when stale, build nothing)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the build reads. The whole of scripts/: a change to a script the build does not run only costs one build. */
export const BUILD_INPUTS = ['src', 'proto', 'scripts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];

/** The build's last output: once it is written, the build is complete. */
export const BUILD_STAMP = 'dist/bundle/inputs.json';

/** What the build writes before the stamp; dist/bundle is left out (a bundle's code cache is written there at run time). */
const EARLIER_OUTPUTS = ['dist', 'oclif.manifest.json'];
const SKIPPED = new Set(['dist/bundle']);

/**
 * The newest file under `paths` (relative to `root`), or undefined when there is none; with
 * `dirs`, directories count too (a source deleted or renamed leaves only its directory newer).
 */
function newest(root, paths, dirs = false) {
  let best;
  const visit = (rel) => {
    if (SKIPPED.has(rel)) return;
    let st;
    try {
      st = statSync(join(root, rel));
    } catch {
      return; // absent (package-lock.json before an install): nothing to be newer
    }
    if (st.isDirectory()) for (const e of readdirSync(join(root, rel))) visit(join(rel, e));
    if ((dirs || !st.isDirectory()) && (!best || st.mtimeMs > best.mtimeMs)) {
      best = { path: rel, mtimeMs: st.mtimeMs };
    }
  };
  for (const p of paths) visit(p);
  return best;
}

/** Why the build in `root` must run, or undefined when it is current. */
export function staleness(root) {
  let stamp;
  try {
    stamp = statSync(join(root, BUILD_STAMP)).mtimeMs;
  } catch {
    return `no complete build (${BUILD_STAMP} is missing)`;
  }
  const input = newest(root, BUILD_INPUTS, true);
  if (input && input.mtimeMs > stamp) return `${input.path} changed since the last build`;
  const output = newest(root, EARLIER_OUTPUTS);
  if (!output) return 'dist/ is empty';
  if (output.mtimeMs > stamp) return `${output.path} was written after the last complete build (a bare tsc?)`;
  return undefined;
}

function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const why = staleness(root);
  // On stderr: `npm pack --json` prints its answer on stdout.
  if (why === undefined) {
    console.error(`build-if-stale: dist/ is current (newer than ${BUILD_INPUTS.join(', ')}): not rebuilding; npm run build forces one`);
    return 0;
  }
  if (process.argv.includes('--check')) {
    console.error(`build-if-stale: stale: ${why}`);
    return 1;
  }
  console.error(`build-if-stale: building: ${why}`);
  // The build's own definition stays in package.json; its output goes to stderr too.
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: [0, 2, 2] }) : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: [0, 2, 2] });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') process.exitCode = main();
