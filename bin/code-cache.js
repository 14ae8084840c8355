// A member's bundle (dist/bundle/node-start/index.cjs) loaded with V8's code cache: compiling it
// was most of a member's start-up CPU (about 110 of 210 ms, BENCHMARKS.md, session 30), and a
// restarted member's start is on the path of its catch-up. Node 20 has no compile cache of its own
// (module.enableCompileCache came in 22) and takes cached data only for scripts, hence a CommonJS
// bundle compiled here. The cache sits beside the bundle (or in FLEET_CODE_CACHE_DIR, see bin/run.js),
// written once by the first member that starts without one where it can write; else members compile.
//
// V8 checks cached data against the source's length and the flags, not the source's contents, and
// does not checksum it in release builds (probes on Node 20: a cache for another source of the
// same length ran the old code; one flipped byte ran, threw, or crashed Node with SIGSEGV). So the
// file's name carries a hash of the source, the Node version and the command-line flags, and its
// first 32 bytes a SHA-256 of the rest: a stale, damaged or foreign cache is never handed to V8.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

const SUFFIX = '.v8cache';
const DIGEST_BYTES = 32;

/** The cache file in `dir` for `source` at `file` under this Node and these flags. */
function cachePathOf(file, source, dir) {
  const key = createHash('sha256').update(source).update('\0').update(process.version).update('\0').update(process.execArgv.join(' ')).digest('hex').slice(0, 20);
  return join(dir, `${basename(file)}.${key}${SUFFIX}`);
}

/** The cached data in `path` when it is whole, else whether it is absent or damaged. */
function readCache(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    return 'none';
  }
  const data = bytes.subarray(DIGEST_BYTES);
  const whole = bytes.length > DIGEST_BYTES && createHash('sha256').update(data).digest().equals(bytes.subarray(0, DIGEST_BYTES));
  return whole ? data : 'damaged';
}

/**
 * Writes `data` to `path` whole or not at all, and removes the caches beside it that are older than
 * `file` (made for a source rebuilt since). Caches for other flags or Node versions made since stay:
 * members started differently would otherwise remove each other's.
 */
function writeCache(path, data, file) {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
    renameSync(tmp, path);
  } catch {
    // Not writable (a package installed by another user), or the disk is full: members compile.
    rmSync(tmp, { force: true });
    return false;
  }
  const built = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const prefix = `${basename(file)}.`;
  for (const name of readdirSync(dirname(path))) {
    const other = join(dirname(path), name);
    if (other === path || !name.startsWith(prefix)) continue;
    const mtime = statSync(other, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
    // A temporary file a minute old was left by a process killed while it wrote.
    const stale = name.endsWith(SUFFIX) ? mtime < built : name.endsWith('.tmp') && mtime < Date.now() - 60_000;
    if (stale) rmSync(other, { force: true });
  }
  return true;
}

/**
 * Runs the CommonJS file `file` with the cached data in `cacheDir` (default: beside it), if whole
 * and accepted. Answers its
 * exports, whether a cache was `used` (else `none`, `damaged` or `rejected` by V8), and `save()`,
 * which writes the cache from what has been compiled by then (call it once the work worth caching
 * has run; a no-op when the cache was used). `save()` answers whether it wrote, and never throws.
 */
export function loadWithCodeCache(file, cacheDir = dirname(file)) {
  const source = readFileSync(file, 'utf8');
  const cachePath = cachePathOf(file, source, cacheDir);
  const found = readCache(cachePath);
  const cachedData = typeof found === 'string' ? undefined : found;
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  const cache = typeof found === 'string' ? found : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  let saved = cache === 'used';
  return {
    exports: module.exports,
    cache,
    save: () => {
      if (saved) return false;
      saved = true;
      try {
        return writeCache(cachePath, script.createCachedData(), file);
      } catch {
        // A cache only saves compile time: nothing about it may stop a member.
        return false;
      }
    },
  };
}
