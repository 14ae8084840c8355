/**
 * bin/code-cache.js: a CommonJS file run with V8's code cache. Each load runs in a process of its
 * own, as members do (V8 also caches compilations inside one process). V8 checks cached data
 * against the source's length and the flags only, so the cases that matter are the ones it would
 * not catch: a source changed to another of the same length, and a damaged cache file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const LOADER = new URL('../../bin/code-cache.js', import.meta.url).href;
const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A directory holding `lib.cjs`, which exports `answer` as `value` (pad the value to keep the length). */
function library(value: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-code-cache-'));
  dirs.push(dir);
  const file = join(dir, 'lib.cjs');
  writeFileSync(file, source(value));
  return { dir, file };
}

const source = (value: string): string => `function double(x) { return x * 2; }\nexports.answer = () => ${JSON.stringify(value)} + double(21);\n`;

/** Loads `file` in a fresh node (with `flags`, the cache in `cacheDir`), saves the cache, and answers what the loader said. */
function load(file: string, flags: string[] = [], cacheDir?: string): { cache: string; answer: string; saved: boolean } {
  const program = `const { loadWithCodeCache } = await import(${JSON.stringify(LOADER)});
const l = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)});
const answer = l.exports.answer();
console.log(JSON.stringify({ cache: l.cache, answer, saved: l.save() }));`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', program], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { cache: string; answer: string; saved: boolean };
}

const caches = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.v8cache'));

describe('a bundle loaded with its code cache', () => {
  it('compiles and writes the cache the first time, and uses it the next', () => {
    const { dir, file } = library('a');
    expect(load(file)).toEqual({ cache: 'none', answer: 'a42', saved: true });
    expect(caches(dir)).toHaveLength(1);
    expect(load(file)).toEqual({ cache: 'used', answer: 'a42', saved: false });
  });

  it('never hands V8 the cache of another source of the same length (V8 would accept it)', () => {
    const { dir, file } = library('a');
    load(file);
    writeFileSync(file, source('b'));
    expect(load(file)).toEqual({ cache: 'none', answer: 'b42', saved: true });
    // The old source's cache, older than the source now, is removed when the new one is written.
    expect(caches(dir)).toHaveLength(1);
    expect(load(file).cache).toBe('used');
  });

  it('keeps a cache per set of flags, side by side', () => {
    const { dir, file } = library('a');
    load(file);
    expect(load(file, ['--max-semi-space-size=1']).cache).toBe('none');
    expect(load(file, ['--max-semi-space-size=1']).cache).toBe('used');
    expect(caches(dir)).toHaveLength(2);
    expect(load(file).cache).toBe('used');
  });

  it('ignores a damaged cache, runs the source, and writes it again', () => {
    const { dir, file } = library('a');
    load(file);
    const path = join(dir, caches(dir)[0]!);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(path, bytes);
    expect(load(file)).toEqual({ cache: 'damaged', answer: 'a42', saved: true });
    expect(load(file).cache).toBe('used');
    writeFileSync(path, bytes.subarray(0, 10));
    expect(load(file)).toEqual({ cache: 'damaged', answer: 'a42', saved: true });
  });

  it('keeps the cache in another directory when told (a read-only package under systemd)', () => {
    const { dir, file } = library('a');
    const elsewhere = mkdtempSync(join(tmpdir(), 'fleet-code-cache-dir-'));
    dirs.push(elsewhere);
    expect(load(file, [], elsewhere)).toEqual({ cache: 'none', answer: 'a42', saved: true });
    expect(load(file, [], elsewhere).cache).toBe('used');
    expect(caches(elsewhere)).toHaveLength(1);
    expect(caches(dir)).toHaveLength(0);
  });

  it('removes what a process killed while writing left behind, once it is a minute old', () => {
    const { dir, file } = library('a');
    const stem = join(dir, 'lib.cjs.0123456789abcdef0123.v8cache');
    writeFileSync(`${stem}.111.tmp`, 'partial');
    writeFileSync(`${stem}.222.tmp`, 'partial');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(`${stem}.111.tmp`, old, old);
    load(file);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual(['lib.cjs.0123456789abcdef0123.v8cache.222.tmp']);
  });

  it('runs without a cache where none can be written', () => {
    const { dir, file } = library('a');
    const program = `const { loadWithCodeCache } = await import(${JSON.stringify(LOADER)});
const { rmSync } = await import('node:fs');
const l = loadWithCodeCache(${JSON.stringify(file)});
rmSync(${JSON.stringify(dir)}, { recursive: true });
console.log(JSON.stringify({ answer: l.exports.answer(), saved: l.save() }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: 'a42', saved: false });
  });
});
