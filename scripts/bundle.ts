/**
 * Bundles the compiled entry points into single files under dist/bundle/ (part of `npm run
 * build`, after tsc and the manifest): most of a command's start-up went to resolving and
 * reading a few hundred module files, which one file removes. bin/run.js uses a bundle only
 * while it is as new as every file it was built from (listed in dist/bundle/inputs.json, see
 * bin/bundle.js), so a bare `tsc` can never leave it running stale code.
 *
 * - node-start.js: `fleet node start`, the member (src/cli/node-start.ts).
 * - cli.js: every command of oclif.manifest.json, exported as COMMANDS for oclif's explicit
 *   command discovery, and the command_not_found hook.
 *
 * The packages the bundles share with code loaded outside them stay external, so that each has
 * one instance per process: @oclif/core (bin/run.js runs it), @grpc/grpc-js and protobufjs
 * (src/proto loads them on first use through createRequire); react-devtools-core is optional
 * (ink loads it only under DEV=true, and it is not installed).
 *
 * Run: node --import tsx scripts/bundle.ts
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'bundle');
const EXTERNAL = ['@oclif/core', '@oclif/core/*', '@grpc/grpc-js', '@grpc/proto-loader', '@grpc/reflection', 'protobufjs', 'protobufjs/*', 'react-devtools-core'];

/** Each output file finds the package root from its own URL (bundles and chunks sit at several depths). */
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
  metafile: true,
  logLevel: 'warning',
  banner: { js: BANNER },
  plugins: [ownUrl],
} as const satisfies BuildOptions;

/** The dist/ files a build read, relative to the package root (the packages are checked as one, see bin/bundle.js). */
function distInputs(inputs: Record<string, unknown>): string[] {
  return Object.keys(inputs).map((p) => relative(root, resolve(root, p))).filter((p) => p.startsWith(`dist${sep}`));
}

/** The member: one file, since it loads all of it anyway. */
async function bundleNodeStart(): Promise<string[]> {
  const result = await build({ ...COMMON, entryPoints: [join(root, 'dist/cli/node-start.js')], outfile: join(outDir, 'node-start.js') });
  return distInputs(result.metafile.inputs);
}

/**
 * The CLI: each command its own entry point at its path under dist/bundle/commands, sharing
 * chunks, so that a command still loads only what it imports (a single file would make every
 * command parse all of them, vega included).
 */
async function bundleCli(): Promise<string[]> {
  const commands = readdirSync(join(root, 'dist/commands'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  const result = await build({
    ...COMMON,
    entryPoints: [...commands.map((f) => join(root, 'dist/commands', f)), join(root, 'dist/cli/hooks/command-not-found.js')],
    outdir: outDir,
    outbase: join(root, 'dist'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  return distInputs(result.metafile.inputs);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const inputs = { 'node-start': await bundleNodeStart(), cli: await bundleCli() };
// Written last: a bundle without its list of inputs is never used (bin/bundle.js).
writeFileSync(join(outDir, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
for (const [name, files] of Object.entries(inputs)) console.log(`wrote ${name} into ${outDir} (${files.length} compiled modules)`);
