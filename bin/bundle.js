// dist/bundle/ holds bundles of compiled entry points (scripts/bundle.ts, part of `npm run
// build`): a few files instead of a hundred modules to resolve and read. A bundle is
// used only while it is as new as every compiled module it was built from and as the installed
// packages (a bare `tsc` or an `npm install` since the build would otherwise leave it running
// stale code); else the compiled modules run directly — slower, never wrong.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `dist/bundle/<name>/` under `root` may run: true only when it is fresh. */
export function bundleIsFresh(root, name) {
  let built;
  let inputs;
  try {
    const list = join(root, 'dist', 'bundle', 'inputs.json');
    built = statSync(list).mtimeMs;
    inputs = JSON.parse(readFileSync(list, 'utf8'))[name];
  } catch {
    return false;
  }
  if (!Array.isArray(inputs)) return false;
  for (const file of [...inputs, join('node_modules', '.package-lock.json')]) {
    const stat = statSync(join(root, file), { throwIfNoEntry: false });
    // A compiled module gone since the build: the bundle no longer matches dist/.
    if (stat === undefined ? !file.startsWith('node_modules') : stat.mtimeMs > built) return false;
  }
  return true;
}
