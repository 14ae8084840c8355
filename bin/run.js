#!/usr/bin/env node
// Two commands bypass oclif. A member (`fleet node start`) runs for months, and the whole command
// tree would stay resident in it for nothing; `fleet status` is run more than anything else, and
// loading oclif took longer than the status round trip itself. Both hand anything unusual (help,
// a flag they do not parse) to oclif, which runs everything else. Each runs from its bundle
// (dist/bundle/node-start or fast-status, see bin/bundle.js) while that is fresh.

/** Entry point `name`: its bundle (dist/bundle/<name>/) while that is fresh, else `compiled` (a path from the package root). */
async function importEntry(name, compiled) {
  const { fileURLToPath } = await import('node:url');
  const { bundleIsFresh } = await import('./bundle.js');
  const root = new URL('..', import.meta.url);
  return import(new URL(bundleIsFresh(fileURLToPath(root), name) ? `dist/bundle/${name}/index.js` : compiled, root).href);
}

async function main() {
  const [, , topic, command, ...rest] = process.argv;
  if (topic === 'node' && command === 'start' && !rest.includes('--help') && !rest.includes('-h')) {
    const { readFileSync } = await import('node:fs');
    const { mainNodeStart } = await importEntry('node-start', 'dist/cli/node-start.js');
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.exitCode = await mainNodeStart(rest, version);
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

await main();
