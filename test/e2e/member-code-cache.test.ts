/**
 * A member started as `fleet init` starts one (bin/run.js, the bundle, MEMBER_NODE_OPTIONS) finds
 * the code cache a member wrote before it usable. The failure this guards against is silent: a
 * cache V8 rejects at every start (it is checked against the flags in force, and the member sets
 * V8 flags on itself) only costs each start its compile, and no other test would notice.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startSoloMember, tempDir, waitFor } from './processes.js';

const BUNDLE = fileURLToPath(new URL('../../dist/bundle/node-start', import.meta.url));
const dir = tempDir('fleet-code-cache-');
afterAll(() => dir.cleanup());

/** Starts a solo member on `data` and answers what its start line says of the code cache. */
async function start(data: string, env: NodeJS.ProcessEnv = {}): Promise<{ codeCache: unknown; stop: () => Promise<void> }> {
  const { startLine, stop } = await startSoloMember(data, { env });
  return { codeCache: startLine.codeCache, stop };
}

/** The newest cache file's time beside the bundle (members of other tests may write one too). */
const newestCache = (): number => Math.max(0, ...readdirSync(BUNDLE).filter((n) => n.endsWith('.v8cache')).map((n) => statSync(join(BUNDLE, n)).mtimeMs));

describe("a member's code cache", () => {
  it('is written by a member that found none, and used by the next', async () => {
    const data = join(dir.path, 'data');
    mkdirSync(data);
    const before = newestCache();
    const first = await start(data);
    expect(['used', 'none', 'damaged', 'rejected']).toContain(first.codeCache);
    // Saved a second after the start line; another test's member may have saved it already.
    if (first.codeCache !== 'used') await waitFor('the cache written', () => newestCache() > before || undefined, 20_000);
    await first.stop();
    const second = await start(data);
    await second.stop();
    expect(second.codeCache).toBe('used');
  }, 60_000);

  it('goes to FLEET_CODE_CACHE_DIR when set (a unit whose package directory is read-only)', async () => {
    const data = join(dir.path, 'data-elsewhere');
    const cacheDir = join(dir.path, 'cache');
    mkdirSync(data);
    mkdirSync(cacheDir);
    const env = { FLEET_CODE_CACHE_DIR: cacheDir };
    const first = await start(data, env);
    expect(first.codeCache).toBe('none');
    await waitFor('the cache written', () => readdirSync(cacheDir).some((n) => n.endsWith('.v8cache')) || undefined, 20_000);
    await first.stop();
    const second = await start(data, env);
    await second.stop();
    expect(second.codeCache).toBe('used');
  }, 60_000);
});
