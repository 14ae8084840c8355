/**
 * fleet/embed loads only the APIs its host asks for (issue 61): a host that asks for none runs a
 * cluster of members — elections, a write forwarded from a follower over fleet.v1's `Submit`,
 * reads — without loading any module of fleet.v1's client services, its Admin and Drills services,
 * or etcd's v3 API. Checked on the modules the process really loaded, not on the import graph: a
 * module loader hook (test/e2e/outsider/hooks.mjs, Node's `module.register`) logs the URL of every
 * ES module as the loader reads it, and fleet's dist/ is ES modules throughout. The same program
 * given `apis: ['fleet', 'etcd']` loads them (the check is not vacuous).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runProgram, tempDir } from './processes.js';

const dir = tempDir('fleet-embed-loads-');
afterAll(() => dir.cleanup());

const hooks = fileURLToPath(new URL('./outsider/register-hooks.mjs', import.meta.url));
const program = fileURLToPath(new URL('./embed/loads.mjs', import.meta.url));
/** The modules that serve fleet.v1's and etcd's APIs to clients, and the operator's services. */
const API_MODULES = /\/dist\/core\/server\/(fleet-api\/|etcd-api\/|admin\/(admin|drill)-service\.js|member\/(fleet|admin|etcd)-apis\.js)/;

/** Runs the program with `apis`; the dist/ modules it loaded, relative to dist/. */
async function loadedWith(apis: string, name: string): Promise<{ out: { value: number; totals: number[] }; loaded: string[] }> {
  const log = join(dir.path, `${name}.log`);
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const r = await runProgram(process.execPath, ['--import', hooks, program, join(dir.path, name), apis, ...ports.map(String)], { env: { FLEET_LOAD_LOG: log }, timeoutMs: 40_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const loaded = readFileSync(log, 'utf8').trim().split('\n').filter((u) => u.includes('/dist/'));
  return { out: JSON.parse(r.stdout), loaded: loaded.map((u) => u.slice(u.lastIndexOf('/dist/') + 1)) };
}

describe('fleet/embed without APIs', () => {
  it('runs a cluster, forwarding a write from a follower, without loading fleet.v1 or etcd services', async () => {
    const { out, loaded } = await loadedWith('', 'none');
    expect(out).toMatchObject({ value: 5, totals: [5, 5, 5] });
    // The member did run: the assembly and the members' own calls were loaded.
    expect(loaded).toEqual(expect.arrayContaining(['dist/embed/index.js', 'dist/core/server/member/assemble.js', 'dist/core/server/member/serve-apis.js', 'dist/core/server/member-calls.js']));
    expect(loaded.filter((u) => API_MODULES.test(`/${u}`))).toEqual([]);
  }, 60_000);

  it('loads them when the host asks for them', async () => {
    const { out, loaded } = await loadedWith('fleet,etcd', 'both');
    expect(out).toMatchObject({ value: 5, totals: [5, 5, 5] });
    expect(loaded).toEqual(expect.arrayContaining(['dist/core/server/fleet-api/client-service.js', 'dist/core/server/etcd-api/etcd-kv-service.js', 'dist/core/server/admin/admin-service.js', 'dist/core/server/member/etcd-apis.js']));
  }, 60_000);
});
