/**
 * Bundles the member's entry point (`fleet node start`, src/cli/node-start.ts) into
 * dist/bundle/node-start/index.cjs (part of `npm run build`, after tsc): resolving and reading its
 * hundred compiled modules cost about 80 ms of CPU at every member's start, and compiling them most
 * of the rest, which V8's code cache saves (bin/code-cache.js; BENCHMARKS.md). bin/run.js
 * uses the bundle only while it is as new as every file it was built from (listed in
 * dist/bundle/inputs.json, see bin/bundle.js), so a bare `tsc` can never leave it running stale
 * code.
 *
 * `fleet status`'s fast path (src/cli/fast-status.ts) goes into dist/bundle/fast-status/ the same
 * way, but without grpc-js and protobufjs, which it does not load on its usual path: fifteen files
 * instead of thirty-five, about 6 % less time a status (BENCHMARKS.md, session 28).
 *
 * Not bundled, measured to gain nothing (BENCHMARKS.md): the oclif commands (their start-up goes
 * to @oclif/core and the CommonJS packages, which stay as they are).
 *
 * grpc-js, proto-loader, protobufjs and @grpc/reflection are bundled too, minified: a
 * member keeps one compact source of each instead of their hundred CommonJS files (BENCHMARKS.md,
 * "Memory, second wave"). Our code loads them on first use (`lazyRequire('…')`, a require made by
 * createRequire); the bundle turns those calls into esbuild's lazily run requires
 * (`lazyRequires`), so a bundled member loads them when the compiled modules would, and every
 * caller, the reflection service included, shares one grpc-js. @oclif/core stays external
 * (bin/run.js runs it); react-devtools-core is optional (ink loads it only under DEV=true, and it
 * is not installed).
 *
 * Run: node --import tsx scripts/bundle.ts
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'bundle');
const EXTERNAL = ['@oclif/core', '@oclif/core/*', 'react-devtools-core'];
/** The packages our code loads on first use; a member's bundle holds them, and none may be left to a require at run time there (`checkNoLazyRequireLeft`). */
const LAZY_PACKAGE_NAMES = ['@grpc/grpc-js', '@grpc/proto-loader', '@grpc/reflection', 'protobufjs'];
const isLazyPackage = (spec: string): boolean => LAZY_PACKAGE_NAMES.some((p) => spec === p || spec.startsWith(`${p}/`));

/** Each output file finds the package root from its own URL (an ES module) or path (CommonJS). */
const ESM_BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  // CommonJS packages inside an ES module still call require() for Node's built-ins.
  'const require = __bundleCreateRequire(import.meta.url);',
  "const __packageRootUrl = import.meta.url.slice(0, import.meta.url.lastIndexOf('/dist/bundle/') + 1);",
].join('\n');
const CJS_BANNER = "const __packageRootUrl = ((url) => url.slice(0, url.lastIndexOf('/dist/bundle/') + 1))(require('node:url').pathToFileURL(__filename).href);";

/**
 * A module's own URL, as it was before bundling: the code finds files next to it (proto/,
 * schemas/, the precompiled artifacts) through `import.meta.url`, which in a bundle would name
 * the output file instead.
 */
function ownUrl(bundleLazyPackages: boolean): Plugin {
  return {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const text = bundleLazyPackages ? lazyRequires(source) : source;
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        const rel = relative(root, args.path).split('\\').join('/');
        return { contents: text.replaceAll('import.meta.url', `(__packageRootUrl + ${JSON.stringify(rel)})`), loader: 'js' };
      });
    },
  };
}

/**
 * `lazyRequire('pkg')` (a createRequire require, which esbuild cannot follow) as `require('pkg')`,
 * which esbuild bundles and runs where the call is: the package still loads on first use, from
 * the bundle, as the same instance the bundle's static imports of it get.
 */
function lazyRequires(text: string): string {
  return text.replace(/\blazyRequire\((['"])([^'"]+)\1\)/g, (call: string, _q: string, pkg: string) => (isLazyPackage(pkg) ? `require(${JSON.stringify(pkg)})` : call));
}

/**
 * A CommonJS package's `__dirname` (grpc-js and @grpc/reflection find their .proto files by it),
 * which an ES module bundle does not have: its directory in the installed package, found at run
 * time as the package is, so the bundle does not depend on where it was built.
 */
const packageDirname: Plugin = {
  name: 'package-dirname',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!/\b__dirname\b/.test(text)) return undefined;
      const pkg = packageOf(args.path);
      const main = createRequire(join(root, 'package.json')).resolve(pkg);
      // A nested copy of a package would not be the one the run-time resolution finds.
      if (packageDir(main) !== packageDir(args.path)) throw new Error(`${args.path} uses __dirname, but ${pkg} resolves to ${main} from the package root`);
      const sub = relative(dirname(main), dirname(args.path)).split(sep).join('/');
      const dir = `require("node:path").join(require("node:path").dirname(require.resolve(${JSON.stringify(pkg)})), ${JSON.stringify(sub)})`;
      return { contents: `var __dirname = ${dir};\n${text}`, loader: 'js' };
    });
  },
};

/** The installed package directory a file under node_modules belongs to. */
function packageDir(file: string): string {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('node_modules');
  return parts.slice(0, at + (parts[at + 1]!.startsWith('@') ? 3 : 2)).join(sep);
}

/** The name of the package a file under node_modules belongs to. */
function packageOf(file: string): string {
  return relative(join(packageDir(file), '..', '..'), packageDir(file)).split(sep).filter((p) => p !== 'node_modules').join('/');
}

const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // Error and class names are printed and compared: keep them as written.
  keepNames: true,
  // Minified: V8 keeps every loaded module's source text for as long as the process runs, and a
  // member loads the whole coordinator chunk (grpc-js and protobufjs with it). Our comments' few
  // non-ASCII characters (—, ≤) once made it a two-byte string; without comments and indentation
  // it is one-byte, and with short local names and compacted syntax 0.76 MB instead of 1.08:
  // about 0.5 MB less anonymous memory per member (BENCHMARKS.md, "Memory, second wave").
  // keepNames: function and class names still read as written in stack traces.
  minify: true,
  // FLEET_BUNDLE_SOURCEMAP=1: a .map beside each file, so that a profile of a member names our
  // functions and sources (bench/cpuprof-summary.mjs reads it); never in a shipped build.
  ...(process.env.FLEET_BUNDLE_SOURCEMAP === '1' ? { sourcemap: true } : {}),
  metafile: true,
  logLevel: 'warning',
  // packageDirname's require.resolve of a bundled package is meant: it finds the installed package's directory at run time.
  logOverride: { 'require-resolve-not-external': 'silent' },
} as const satisfies BuildOptions;

/** The dist/ files a build read, relative to the package root (the packages are checked as one, see bin/bundle.js). */
function distInputs(inputs: Record<string, unknown>): string[] {
  return Object.keys(inputs).map((p) => relative(root, resolve(root, p))).filter((p) => p.startsWith(`dist${sep}`));
}

/**
 * One entry point into dist/bundle/<name>/. `fleet status` (`lazyPackages: 'left'`): an ES module,
 * index.js, its dynamic imports split into chunks beside it, since what it loads only on some paths
 * must stay off the others; `LAZY_PACKAGE_NAMES` stay in node_modules, loaded by their
 * `lazyRequire` if ever (bundled, they were 450 kB of chunks to read and parse at every run, since
 * esbuild's lazily run requires still sit in an imported chunk). A member (`'bundled'`): one
 * CommonJS file, index.cjs, holding those packages (one copy, shared with the reflection service),
 * which bin/run.js compiles with V8's code cache (bin/code-cache.js: Node 20 caches scripts, not
 * ES modules); its dynamic imports become esbuild's lazily run modules, so they still run on first use.
 */
async function bundleEntry(name: string, entry: string, lazyPackages: 'bundled' | 'left'): Promise<string[]> {
  const plugins = [ownUrl(lazyPackages === 'bundled'), packageDirname];
  const entryPoints = { index: join(root, entry) };
  const outdir = join(outDir, name);
  const result =
    lazyPackages === 'bundled'
      ? await build({ ...COMMON, plugins, external: EXTERNAL, entryPoints, outdir, format: 'cjs', outExtension: { '.js': '.cjs' }, banner: { js: CJS_BANNER } })
      : // Left: imported from node_modules at run time, by static imports and lazyRequire alike, so one copy is loaded.
        await build({ ...COMMON, plugins, external: [...EXTERNAL, ...LAZY_PACKAGE_NAMES.flatMap((p) => [p, `${p}/*`])], entryPoints, outdir, format: 'esm', splitting: true, chunkNames: '[name]-[hash]', banner: { js: ESM_BANNER } });
  if (lazyPackages === 'bundled') {
    checkNoLazyRequireLeft(Object.keys(result.metafile.outputs));
    checkOneCopy(Object.keys(result.metafile.inputs), ['@grpc/grpc-js', 'protobufjs']);
  } else {
    checkNoneBundled(Object.keys(result.metafile.inputs), LAZY_PACKAGE_NAMES);
  }
  return distInputs(result.metafile.inputs);
}

/** Fails the build if a bundle holds any of `names`: the copy in node_modules, which their lazyRequire loads, would be a second one. */
function checkNoneBundled(inputs: string[], names: string[]): void {
  const held = names.filter((name) => inputs.some((p) => p.includes(`node_modules/${name}/`)));
  if (held.length > 0) throw new Error(`the bundle holds ${held.join(', ')}, which must stay external in it`);
}

/** Fails the build if a bundle holds two installed copies of one of `names` (two grpc-js would not know each other's objects). */
function checkOneCopy(inputs: string[], names: string[]): void {
  for (const name of names) {
    const dirs = new Set(inputs.filter((p) => p.includes(`node_modules/${name}/`)).map((p) => p.slice(0, p.lastIndexOf(`node_modules/${name}/`))));
    if (dirs.size > 1) throw new Error(`the bundle holds ${dirs.size} copies of ${name}: ${[...dirs].join(', ')}`);
  }
}

/**
 * Fails the build if an output still requires one of `LAZY_PACKAGE_NAMES` at run time (a lazy load
 * written some other way than `lazyRequire('…')`): it would load a second copy beside the bundled one.
 */
function checkNoLazyRequireLeft(outputs: string[]): void {
  for (const out of outputs.filter((o) => !o.endsWith('.map'))) {
    const text = readFileSync(join(root, out), 'utf8');
    for (const m of text.matchAll(/(?<!\.resolve)\(\s*(['"])([^'"]+)\1\s*\)|\bfrom\s*(['"])([^'"]+)\3/g)) {
      const pkg = m[2] ?? m[4]!;
      if (isLazyPackage(pkg)) throw new Error(`${out} loads ${pkg} at run time; it must be bundled (write its lazy load as lazyRequire('${pkg}'))`);
    }
  }
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const inputs = {
  'node-start': await bundleEntry('node-start', 'dist/cli/node-start.js', 'bundled'),
  'fast-status': await bundleEntry('fast-status', 'dist/cli/fast-status.js', 'left'),
};
// Written last: a bundle without its list of inputs is never used (bin/bundle.js).
writeFileSync(join(outDir, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
for (const [name, files] of Object.entries(inputs)) console.log(`wrote ${name} into ${outDir} (${files.length} compiled modules)`);
