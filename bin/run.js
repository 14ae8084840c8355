#!/usr/bin/env node
// A member (`fleet node start`) bypasses oclif: it runs for months, and the whole command tree
// would stay resident in it for nothing. Everything else goes through oclif.
const [, , topic, command, ...rest] = process.argv;
if (topic === 'node' && command === 'start' && !rest.includes('--help') && !rest.includes('-h')) {
  const { readFileSync } = await import('node:fs');
  const { mainNodeStart } = await import('../dist/cli/node-start.js');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.exitCode = await mainNodeStart(rest, version);
} else {
  const { execute } = await import('@oclif/core');
  const { loadOptions, packageRoot } = await import('./manifest.js');
  const { root, pjson } = packageRoot();
  await execute({ dir: import.meta.url, loadOptions: await loadOptions({ root, pjson, commandsDir: 'dist/commands' }) });
}
