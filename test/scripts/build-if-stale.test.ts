/** `prepare` builds only a stale tree: `npm pack` after a build packs it as it is. */
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

// scripts/ is plain JavaScript, run as shipped: imported by path, typed here.
const { staleness } = (await import(new URL('../../scripts/build-if-stale.mjs', import.meta.url).href)) as { staleness(root: string): string | undefined };

const T = 1_700_000_000;

/** A checkout built at `builtAt` (seconds): sources before it, tsc's outputs, then the manifest and the bundles' stamp last. */
function builtCheckout(builtAt: number): { root: string; touch: (path: string, at: number) => void } {
  const root = tempDir('fleet-build-stale-').path;
  // Directories count as inputs (a deleted source): each keeps the sources' time, whatever is added to it.
  const touch = (path: string, at: number) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), at, at);
    for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) utimesSync(join(root, dir), builtAt - 100, builtAt - 100);
  };
  for (const f of ['src/index.ts', 'src/cli/node-start.ts', 'proto/fleet/v1/client.proto', 'scripts/postbuild.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json']) touch(f, builtAt - 100);
  for (const f of ['dist/index.js', 'dist/cli/node-start.js']) touch(f, builtAt - 20);
  touch('oclif.manifest.json', builtAt - 10);
  touch('dist/bundle/node-start/index.cjs', builtAt - 5);
  touch('dist/bundle/inputs.json', builtAt);
  return { root, touch };
}

describe('build-if-stale', () => {
  it('leaves a build alone that is newer than every source and output', () => {
    expect(staleness(builtCheckout(T).root)).toBeUndefined();
  });

  it('ignores what runs write into dist/bundle (the code cache)', () => {
    const { root, touch } = builtCheckout(T);
    touch('dist/bundle/node-start/index.cjs.0123.v8cache', T + 50);
    expect(staleness(root)).toBeUndefined();
  });

  it.each(['src/cli/node-start.ts', 'src/new-file.ts', 'proto/fleet/v1/client.proto', 'scripts/bundle.ts', 'tsconfig.json', 'package.json', 'node_modules/.package-lock.json'])('builds once %s is newer than the build', (path) => {
    const { root, touch } = builtCheckout(T);
    touch(path, T + 1);
    expect(staleness(root)).toBe(`${path} changed since the last build`);
  });

  it('builds once a source was deleted (its directory is newer)', () => {
    const { root, touch } = builtCheckout(T);
    rmSync(join(root, 'src/cli/node-start.ts'));
    utimesSync(join(root, 'src/cli'), T + 1, T + 1);
    expect(staleness(root)).toBe('src/cli changed since the last build');
    touch('src/cli/x.ts', T - 100); // (a file older than the build does not hide it)
    utimesSync(join(root, 'src/cli'), T + 2, T + 2);
    expect(staleness(root)).toBe('src/cli changed since the last build');
  });

  it('builds after a bare tsc (compiled modules newer than the bundles) or a manifest written since', () => {
    const a = builtCheckout(T);
    a.touch('dist/cli/node-start.js', T + 1);
    expect(staleness(a.root)).toMatch(/^dist\/cli\/node-start\.js was written after the last complete build/);
    const b = builtCheckout(T);
    b.touch('oclif.manifest.json', T + 1);
    expect(staleness(b.root)).toMatch(/^oclif\.manifest\.json was written after/);
  });

  it('builds a fresh clone, and a build that stopped before its last step', () => {
    const { root } = builtCheckout(T);
    rmSync(join(root, 'dist/bundle/inputs.json'));
    expect(staleness(root)).toBe('no complete build (dist/bundle/inputs.json is missing)');
    rmSync(join(root, 'dist'), { recursive: true });
    expect(staleness(root)).toBe('no complete build (dist/bundle/inputs.json is missing)');
  });

  it('is what prepare runs', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs');
  });
});
