import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// bin/ is plain JavaScript, run as shipped: imported by path, typed here.
const { bundleIsFresh } = (await import(new URL('../../bin/bundle.js', import.meta.url).href)) as { bundleIsFresh(root: string, name: string): boolean };

const roots: string[] = [];
afterEach(() => {
  while (roots.length > 0) rmSync(roots.pop()!, { recursive: true, force: true });
});

/** A package root with two compiled modules, the installed packages' lock, and a bundle built at `builtAt` (seconds). */
function packageWithBundle(builtAt: number): string {
  const root = mkdtempSync(join(tmpdir(), 'fleet-bundle-'));
  roots.push(root);
  const write = (path: string, text: string, at: number) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), at, at);
  };
  write('dist/cli/node-start.js', 'export {}', builtAt - 10);
  write('dist/common/errors.js', 'export {}', builtAt - 10);
  write('node_modules/.package-lock.json', '{}', builtAt - 100);
  write('dist/bundle/inputs.json', JSON.stringify({ 'node-start': ['dist/cli/node-start.js', 'dist/common/errors.js'] }), builtAt);
  return root;
}

describe('a bundle runs only while it is fresh', () => {
  const t = 1_700_000_000;

  it('is used when built after every compiled module it holds and after the last install', () => {
    expect(bundleIsFresh(packageWithBundle(t), 'node-start')).toBe(true);
  });

  it('is ignored once a compiled module is newer (a bare tsc since the build)', () => {
    const root = packageWithBundle(t);
    utimesSync(join(root, 'dist/common/errors.js'), t + 1, t + 1);
    expect(bundleIsFresh(root, 'node-start')).toBe(false);
  });

  it('is ignored once a compiled module it holds is gone', () => {
    const root = packageWithBundle(t);
    rmSync(join(root, 'dist/common/errors.js'));
    expect(bundleIsFresh(root, 'node-start')).toBe(false);
  });

  it('is ignored after an install newer than the build (the packages it holds may have changed)', () => {
    const root = packageWithBundle(t);
    utimesSync(join(root, 'node_modules/.package-lock.json'), t + 1, t + 1);
    expect(bundleIsFresh(root, 'node-start')).toBe(false);
  });

  it('is ignored without its list of inputs, or when the list does not name it', () => {
    const root = packageWithBundle(t);
    expect(bundleIsFresh(root, 'another-entry')).toBe(false);
    rmSync(join(root, 'dist/bundle/inputs.json'));
    expect(bundleIsFresh(root, 'node-start')).toBe(false);
  });
});
