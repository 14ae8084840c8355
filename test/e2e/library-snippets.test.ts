/**
 * docs/library.md's TypeScript examples as a reader copies them, as test/e2e/doc-snippets.test.ts
 * runs the embedding's: each ```ts block is a whole program, type-checked strictly against the
 * built package (importing 'fleet' by the package's name) and run as written with node and tsx,
 * in a fresh working directory. Unlike the embedding's, these connect to a cluster: they run with
 * FLEET_ENDPOINTS naming a real one, as `connect()` documents. Each must end on its own, exit 0
 * and write nothing to stderr; `<!-- snippet-test: check-only -->` marks one type-checked only.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { runProgram, tempDir } from './processes.js';
import { codeBlocks } from './readme-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const tsx = join(root, 'node_modules/tsx/dist/loader.mjs');
const DOC = 'docs/library.md';

// Inside the package, so that 'fleet' resolves to this build by the package's own name.
mkdirSync(join(root, 'temp'), { recursive: true });
const dir = mkdtempSync(join(root, 'temp', 'library-snippets-'));
const work = tempDir('fleet-library-snippets-');
const snippets = codeBlocks(readFileSync(join(root, DOC), 'utf8')).map((b) => ({ ...b, file: join(dir, `library-${b.line}.ts`) }));
let cluster: TestCluster;

beforeAll(async () => {
  for (const s of snippets) writeFileSync(s.file, s.code);
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: snippets.map((s) => s.file) }));
  cluster = await TestCluster.start({ size: 1 });
  await cluster.waitForLeader();
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
  work.cleanup();
});

describe(`${DOC}'s TypeScript examples`, () => {
  it('are found', () => {
    expect(snippets.length).toBeGreaterThan(2);
  });

  it('type-check as written (strict)', async () => {
    const r = await runProgram(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, timeoutMs: 120_000 });
    // Name each problem by the line of the document it comes from.
    const located = (r.stdout + r.stderr).replace(/library-(\d+)\.ts\((\d+),/g, (_m, block: string, line: string) => `${DOC}:${Number(block) + Number(line)} (`);
    expect(located).toBe('');
    expect(r.code).toBe(0);
  }, 130_000);

  for (const s of snippets.filter((x) => !x.checkOnly)) {
    it(`${DOC}:${s.line} runs as written against a cluster, ends on its own and writes nothing to stderr`, async () => {
      const cwd = join(work.path, `library-${s.line}`);
      mkdirSync(cwd);
      const env = { FLEET_ENDPOINTS: cluster.endpoints.join(','), FLEET_CONFIG_DIR: cwd, FLEET_CONTEXT: '', FLEET_TOKEN: '' };
      const r = await runProgram(process.execPath, ['--import', tsx, s.file], { cwd, env, timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }, 40_000);
  }
});
