// oclif.manifest.json lets oclif import only the command being run instead of every command
// module. It is written by `npm run build`; a manifest older than the compiled commands (dist/
// rebuilt by a bare `tsc`) could hide new commands or show stale help, so then
// the commands are discovered from their files instead — slower, never wrong.
import { Plugin } from '@oclif/core';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  if (!ignoreManifest && manifestIsFresh(root, commandsDir)) return { root, pjson };
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true });
  await plugin.load();
  const plugins = new Map([[plugin.name, plugin]]);
  // Given the plugins, oclif loads no others: the package's own (oclif.plugins) are added here.
  for (const name of pjson.oclif?.plugins ?? []) {
    const core = new Plugin({ root: join(root, 'node_modules', ...name.split('/')), name, type: 'core' });
    await core.load();
    plugins.set(core.name, core);
  }
  return { root, pjson, plugins };
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
