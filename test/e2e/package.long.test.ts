/**
 * fleet as an outsider gets it: `npm pack`, the tarball installed into a fresh project, a strict
 * TypeScript program with public imports only type-checked there (by this repository's tsc) and
 * run against a real cluster. Also what the tarball must and must not hold (a LICENSE; no source
 * maps, no sources), that importing and using the library loads no CLI or UI code, and that
 * 'fleet/embed' is typed and ready()-able for an application that embeds a member (outsider/embed.ts).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { freePort, runProgram, startSoloMember, tempDir, waitFor } from './processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test/e2e/outsider');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = tempDir('fleet-outsider-');
const project = join(work.path, 'project');
let cluster: TestCluster;
let packed: { filename: string; files: { path: string }[] };

/** What a strict consumer's tsconfig says: stricter than fleet's own. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: '.',
  },
  files: ['app.ts', 'embed.ts'],
};

async function npm(args: readonly string[], cwd: string): Promise<string> {
  const r = await runProgram('npm', args, { cwd, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** The environment of a program run against the cluster: FLEET_ENDPOINTS, and no saved context of the machine's. */
function clusterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { FLEET_ENDPOINTS: cluster.endpoints.join(','), FLEET_CONFIG_DIR: join(work.path, 'config'), FLEET_CONTEXT: '', FLEET_TOKEN: '', ...extra };
}

beforeAll(async () => {
  // Assigned as soon as it runs, so that afterAll stops it even when the packing below fails
  // (an npm install that timed out once left this cluster running after the suite).
  const started = TestCluster.start({ size: 3 }).then((c) => (cluster = c));
  try {
    await prepareProject();
  } finally {
    await started;
  }
}, 300_000);

/** Packs fleet and installs the tarball into a fresh project, with the outsider's files. */
async function prepareProject(): Promise<void> {
  // --ignore-scripts: `prepare` skips a current build (scripts/build-if-stale.mjs), but a source
  // edited during the run would have it rebuild dist/ under the other test files.
  const out = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work.path], root);
  packed = (JSON.parse(out) as (typeof packed)[])[0]!;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'outsider', private: true, type: 'module' }));
  const typesNode = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['@types/node'] as string;
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(work.path, packed.filename), `@types/node@${typesNode}`], project);
  for (const f of ['app.ts', 'embed.ts', 'hooks.mjs', 'register-hooks.mjs', 'loads.mjs']) copyFileSync(join(fixtures, f), join(project, f));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
}

afterAll(async () => {
  await cluster?.destroy();
  work.cleanup();
});

describe('the packed package', () => {
  it('ships the entry, its declarations and a LICENSE, and no source maps or sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/client/fleet-client.d.ts']));
    expect(paths.filter((p) => p.endsWith('.map') || p.startsWith('src/'))).toEqual([]);
    const installed = join(project, 'node_modules/fleet');
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(join(installed, 'dist/index.js'), 'utf8')).not.toContain('sourceMappingURL');
  });

  it('type-checks a strict program that uses only public imports, which then runs against a real cluster and exits on its own', async () => {
    const check = await runProgram(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeoutMs: 120_000 });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
    const unreachable = `127.0.0.1:${await freePort()}`;
    const started = performance.now();
    const run = await runProgram(process.execPath, ['app.js'], { cwd: project, env: clusterEnv({ FLEET_OUTSIDER_UNREACHABLE: unreachable }), timeoutMs: 20_000 });
    // It ends on its own, promptly (about 0.7 s here): nothing of the closed clients holds the event loop, not even the 20 s keepalive.
    const seconds = (performance.now() - started) / 1000;
    console.log(`the outsider's program ran and exited in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(10);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.index).toBeGreaterThan(0);
    expect(out.value).toBe('hello');
    expect(out.unknownContext).toMatchObject({ code: 'UNKNOWN_CONTEXT', kind: 'invalid', retryable: false });
    expect(out.unknownContext.message).toMatch(/no context named "nope"/);
    expect(out.unreachable).toMatchObject({ code: 'UNREACHABLE', kind: 'unavailable', retryable: true });
    expect(out.unreachable.message).toContain(unreachable);
    expect(out.unreachable.message).toMatch(/start the cluster, or check the endpoints/);
    expect(out.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 180_000);

  it("embeds a member through 'fleet/embed': typed over its state machine, ready() before the first write, coded refusals", async () => {
    // Type-checked with app.ts above (the consumer's tsconfig lists both); this runs it.
    const check = await runProgram(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeoutMs: 120_000 });
    expect(check.stdout + check.stderr).toBe('');
    const data = join(work.path, 'embedded');
    const run = await runProgram(process.execPath, ['embed.js', data], { cwd: project, timeoutMs: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ leader: 'outsider', counted: 1, noClient: 'API_NOT_SERVED', afterStop: 'STOPPED', state: 'stopped', fatal: 0 });
  }, 150_000);

  it("runs a member from the installed package's bundle, compiled with the code cache its first start wrote", async () => {
    const installed = join(project, 'node_modules/fleet');
    expect(packed.files.map((f) => f.path)).toContain('dist/bundle/node-start/index.cjs');
    const bundleDir = join(installed, 'dist/bundle/node-start');
    const data = join(work.path, 'member');
    mkdirSync(data);
    const bin = join(installed, 'bin/run.js');
    const first = await startSoloMember(data, { bin });
    expect(first.startLine.codeCache).toBe('none');
    await waitFor('the cache written', () => readdirSync(bundleDir).some((n) => n.endsWith('.v8cache')) || undefined, 20_000);
    await first.stop();
    const second = await startSoloMember(data, { bin });
    await second.stop();
    expect(second.startLine.codeCache).toBe('used');
  }, 60_000);

  it('loads no CLI or UI code when imported and used', async () => {
    const log = join(work.path, 'loads.log');
    const run = await runProgram(process.execPath, ['--import', './register-hooks.mjs', 'loads.mjs'], { cwd: project, env: clusterEnv({ FLEET_LOAD_LOG: log }), timeoutMs: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const loaded = [...readFileSync(log, 'utf8').trim().split('\n'), ...(JSON.parse(run.stdout) as string[])];
    const ours = loaded.filter((u) => u.includes('/node_modules/fleet/dist/'));
    // The library did run: its entry, the client and grpc-js were loaded.
    expect(ours.some((u) => u.endsWith('/fleet/dist/index.js'))).toBe(true);
    expect(loaded.some((u) => u.includes('/node_modules/@grpc/grpc-js/'))).toBe(true);
    expect(ours.filter((u) => /\/fleet\/dist\/(cli|commands|ui|ops|core)\//.test(u))).toEqual([]);
    expect(loaded.filter((u) => /\/node_modules\/(@oclif|ink|react|react-reconciler|chalk|cli-table3)\//.test(u))).toEqual([]);
  });
});
