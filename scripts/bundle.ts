/**
 * Bundles the member's entry point (`fleet node start`, src/cli/node-start.ts) into
 * dist/bundle/node-start/ (part of `npm run build`, after tsc): resolving and reading its hundred
 * compiled modules cost about 80 ms of CPU at every member's start (BENCHMARKS.md). bin/run.js
 * uses the bundle only while it is as new as every file it was built from (listed in
 * dist/bundle/inputs.json, see bin/bundle.js), so a bare `tsc` can never leave it running stale
 * code.
 *
 * Not bundled, measured to gain nothing (BENCHMARKS.md): the oclif commands (their start-up goes
 * to @oclif/core and the CommonJS packages, which stay as they are) and `fleet status`'s fast path.
 *
 * The packages the bundles share with code loaded outside them stay external, so that each has
 * one instance per process: @oclif/core (bin/run.js runs it), @grpc/grpc-js and protobufjs
 * (src/proto loads them on first use through createRequire); react-devtools-core is optional
 * (ink loads it only under DEV=true, and it is not installed).
 *
 * Run: node --import tsx scripts/bundle.ts
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'bundle');
const EXTERNAL = ['@oclif/core', '@oclif/core/*', '@grpc/grpc-js', '@grpc/proto-loader', '@grpc/reflection', 'protobufjs', 'protobufjs/*', 'react-devtools-core'];

/** Each output file finds the package root from its own URL. */
const BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  // CommonJS packages inside an ES module still call require() for Node's built-ins.
  'const require = __bundleCreateRequire(import.meta.url);',
  "const __packageRootUrl = import.meta.url.slice(0, import.meta.url.lastIndexOf('/dist/bundle/') + 1);",
].join('\n');

/**
 * A module's own URL, as it was before bundling: the code finds files next to it (proto/,
 * schemas/, the precompiled artifacts) through `import.meta.url`, which in a bundle would name
 * the output file instead.
 */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const rel = relative(root, args.path).split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `(__packageRootUrl + ${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Error and class names are printed and compared: keep them as written.
  keepNames: true,
  // Without comments and indentation: V8 keeps every loaded module's source text for as long as
  // the process runs, and our comments' few non-ASCII characters (—, ≤) made the coordinator's
  // 600 KB a two-byte string of 1.2 MB in every member; now 416 KB, 0.8 MB less of each member's
  // heap (BENCHMARKS.md, "Memory, second wave"). Names stay as written: stack traces still name
  // every function.
  minifyWhitespace: true,
  metafile: true,
  logLevel: 'warning',
  banner: { js: BANNER },
  plugins: [ownUrl],
} as const satisfies BuildOptions;

/** The dist/ files a build read, relative to the package root (the packages are checked as one, see bin/bundle.js). */
function distInputs(inputs: Record<string, unknown>): string[] {
  return Object.keys(inputs).map((p) => relative(root, resolve(root, p))).filter((p) => p.startsWith(`dist${sep}`));
}

/**
 * One entry point as dist/bundle/<name>/index.js, its dynamic imports split into chunks beside
 * it: what the entry loads only on some paths (grpc-js, for one) must stay off the others.
 */
async function bundleEntry(name: string, entry: string): Promise<string[]> {
  const result = await build({ ...COMMON, entryPoints: { index: join(root, entry) }, outdir: join(outDir, name), splitting: true, chunkNames: '[name]-[hash]' });
  return distInputs(result.metafile.inputs);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const inputs = { 'node-start': await bundleEntry('node-start', 'dist/cli/node-start.js') };
// Written last: a bundle without its list of inputs is never used (bin/bundle.js).
writeFileSync(join(outDir, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
for (const [name, files] of Object.entries(inputs)) console.log(`wrote ${name} into ${outDir} (${files.length} compiled modules)`);
