// oclif.manifest.json lets oclif import only the command being run instead of every command
// module. It is written by `npm run build`; a manifest older than the compiled commands (dist/
// rebuilt by a bare `tsc`, as the tests do) could hide new commands or show stale help, so then
// the commands are discovered from their files instead — slower, never wrong.
import { Plugin } from '@oclif/core';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleIsFresh } from './bundle.js';
import { fileURLToPath } from 'node:url';

/** The package root and its package.json. */
export function packageRoot() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return { root, pjson: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) };
}

/**
 * oclif's load options: the manifest when it is at least as new as every file under
 * `commandsDir`, discovery otherwise (always with `ignoreManifest`, for runs from the sources).
 */
export async function loadOptions({ root, pjson, commandsDir, ignoreManifest = false }) {
  if (!ignoreManifest && manifestIsFresh(root, commandsDir)) {
    return bundleIsFresh(root, 'cli') && commandsDir === 'dist/commands' ? bundledOptions(root, pjson) : { root, pjson };
  }
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true });
  await plugin.load();
  return { root, pjson, plugins: await withPackagePlugins(root, pjson, plugin) };
}

/**
 * The manifest's commands, run from dist/bundle (bin/bundle.js): the bundle mirrors dist/ there,
 * each command an entry point, so only the paths change.
 */
async function bundledOptions(root, pjson) {
  const bundled = { ...pjson, oclif: { ...pjson.oclif, hooks: { ...pjson.oclif.hooks, command_not_found: './dist/bundle/cli/hooks/command-not-found.js' } } };
  const plugin = new Plugin({ root, pjson: bundled, isRoot: true });
  await plugin.load();
  const inBundle = (path) => (path[0] === 'dist' ? ['dist', 'bundle', ...path.slice(1)] : path);
  for (const command of Object.values(plugin.manifest.commands)) command.relativePath = inBundle(command.relativePath);
  for (const command of plugin.commands) command.relativePath = inBundle(command.relativePath);
  return { root, pjson: bundled, plugins: await withPackagePlugins(root, pjson, plugin) };
}

/** The root plugin and the package's own (oclif.plugins): given the plugins, oclif loads no others. */
async function withPackagePlugins(root, pjson, plugin) {
  const plugins = new Map([[plugin.name, plugin]]);
  for (const name of pjson.oclif?.plugins ?? []) {
    const core = new Plugin({ root: join(root, 'node_modules', ...name.split('/')), name, type: 'core' });
    await core.load();
    plugins.set(core.name, core);
  }
  return plugins;
}

function manifestIsFresh(root, commandsDir) {
  let built;
  try {
    built = statSync(join(root, 'oclif.manifest.json')).mtimeMs;
  } catch {
    return false;
  }
  return newestMtime(join(root, commandsDir)) <= built;
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
