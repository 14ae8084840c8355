#!/usr/bin/env node
// Two commands bypass oclif. A member (`fleet node start`) runs for months, and the whole command
// tree would stay resident in it for nothing; `fleet status` is run more than anything else, and
// loading oclif took longer than the status round trip itself. Both hand anything unusual (help,
// a flag they do not parse) to oclif, which runs everything else. Each runs from its bundle
// (dist/bundle/node-start or fast-status, see bin/bundle.js) while that is fresh.

/** The package root's URL, and whether the bundle of entry point `name` is fresh (bin/bundle.js). */
async function bundleOf(name) {
  const { fileURLToPath } = await import('node:url');
  const { bundleIsFresh } = await import('./bundle.js');
  const root = new URL('..', import.meta.url);
  return { root, fresh: bundleIsFresh(fileURLToPath(root), name) };
}

/** Entry point `name`: its bundle (dist/bundle/<name>/index.js, an ES module) while that is fresh, else `compiled` (a path from the package root). */
async function importEntry(name, compiled) {
  const { root, fresh } = await bundleOf(name);
  return import(new URL(fresh ? `dist/bundle/${name}/index.js` : compiled, root).href);
}

/**
 * `fleet node start`: its bundle, a CommonJS file run with V8's code cache (bin/code-cache.js),
 * while that is fresh, else the compiled modules. The member's V8 flags are set before the bundle
 * is compiled, since a cache is checked against the flags in force (src/common/member-process.ts).
 */
async function loadNodeStart() {
  const { root, fresh } = await bundleOf('node-start');
  if (!fresh) {
    const { mainNodeStart } = await import(new URL('dist/cli/node-start.js', root).href);
    return { mainNodeStart, launch: undefined };
  }
  const { setFlagsFromString } = await import('node:v8');
  const { MEMBER_V8_FLAGS } = await import(new URL('dist/common/member-process.js', root).href);
  for (const flag of MEMBER_V8_FLAGS) setFlagsFromString(flag);
  const { fileURLToPath } = await import('node:url');
  const { loadWithCodeCache } = await import('./code-cache.js');
  const { setTimeout } = await import('node:timers');
  // FLEET_CODE_CACHE_DIR: where members can write when the package directory is read-only (a
  // systemd unit's CacheDirectory=, deploy/systemd/fleet@.service).
  const loaded = loadWithCodeCache(fileURLToPath(new URL('dist/bundle/node-start/index.cjs', root)), process.env.FLEET_CODE_CACHE_DIR || undefined);
  // Saved a second after the start line, so that the cache holds what opening the storage, the
  // replay and the first election compiled too; only by a member that found none it could use.
  const onStarted = () => setTimeout(loaded.save, 1_000).unref();
  return { mainNodeStart: loaded.exports.mainNodeStart, launch: { codeCache: loaded.cache, onStarted } };
}

async function main() {
  const [, , topic, command, ...rest] = process.argv;
  if (topic === 'node' && command === 'start' && !rest.includes('--help') && !rest.includes('-h')) {
    const { readFileSync } = await import('node:fs');
    const { mainNodeStart, launch } = await loadNodeStart();
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.exitCode = await mainNodeStart(rest, version, launch);
    return;
  }
  if (topic === 'status') {
    const { planFastStatus, runFastStatus } = await importEntry('fast-status', 'dist/cli/fast-status.js');
    const args = planFastStatus(process.argv.slice(3));
    if (args !== undefined) {
      process.exitCode = await runFastStatus(args);
      return;
    }
  }
  const { execute, settings } = await import('@oclif/core');
  // This entry point runs the compiled dist/ only (bin/dev.js runs the sources). Left to itself,
  // oclif reads NODE_ENV=development or test, which many JavaScript developers export, as a cue
  // to load TypeScript and look for sources: that doubled every command's start-up (0.6 → 1.2 s).
  settings.enableAutoTranspile = false;
  const { loadOptions, packageRoot } = await import('./manifest.js');
  const { root, pjson } = packageRoot();
  await execute({ dir: import.meta.url, loadOptions: await loadOptions({ root, pjson, commandsDir: 'dist/commands' }) });
}

try {
  await main();
} catch (err) {
  // Left uncaught, Node would quote the line that threw first, and in a bundle that is a minified
  // line of a hundred kilobytes: the report (stack, cause) is what a bug needs.
  const { inspect } = await import('node:util');
  process.stderr.write(`${inspect(err)}\n`);
  process.exit(1);
}
