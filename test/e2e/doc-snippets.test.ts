/**
 * The TypeScript examples of the docs as a reader copies them: each ```ts block is a whole
 * program, type-checked strictly against the built package (importing 'fleet/embed' by the
 * package's name, as its users do) and run as written with node and tsx, each in a fresh working
 * directory; it must end on its own, exit 0, and write nothing to stderr. A block marked
 * `<!-- snippet-test: check-only -->` is type-checked only (readme-examples.ts has the conventions).
 * README.md's ```sh blocks are test/e2e/readme.test.ts's.
 *
 * To cover another document, add it to SOURCES.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram, tempDir } from './processes.js';
import { codeBlocks, type CodeBlock } from './readme-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const tsx = join(root, 'node_modules/tsx/dist/loader.mjs');

/** The documents whose ```ts blocks run, and which of their blocks. */
const SOURCES: readonly { readonly doc: string; readonly include: (block: CodeBlock) => boolean }[] = [
  { doc: 'docs/embedding.md', include: () => true },
  { doc: 'README.md', include: (b) => b.code.includes("from 'fleet/embed'") },
];

interface Snippet extends CodeBlock {
  readonly doc: string;
  readonly file: string;
}

// Inside the package, so that 'fleet/embed' resolves to this build by the package's own name.
mkdirSync(join(root, 'temp'), { recursive: true });
const dir = mkdtempSync(join(root, 'temp', 'doc-snippets-'));
const work = tempDir('fleet-doc-snippets-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  work.cleanup();
});

const snippets: Snippet[] = SOURCES.flatMap(({ doc, include }) =>
  codeBlocks(readFileSync(join(root, doc), 'utf8'))
    .filter(include)
    .map((block) => ({ ...block, doc, file: join(dir, `${doc.replace(/\W+/g, '-')}-${block.line}.ts`) })),
);

beforeAll(() => {
  for (const s of snippets) writeFileSync(s.file, s.code);
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: snippets.map((s) => s.file) }));
});

describe('the docs’ TypeScript examples', () => {
  it('are found: every document has some', () => {
    for (const { doc } of SOURCES) expect(snippets.filter((s) => s.doc === doc).length, doc).toBeGreaterThan(0);
  });

  it('type-check as written (strict)', async () => {
    const r = await runProgram(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, timeoutMs: 120_000 });
    // Name each problem by the document and line it comes from.
    const located = (r.stdout + r.stderr).replace(/[\w-]+-(\d+)\.ts\((\d+),/g, (_m, block: string, line: string) => `${snippetAt(Number(block))}:${Number(block) + Number(line)} (`);
    expect(located).toBe('');
    expect(r.code).toBe(0);
  }, 130_000);

  for (const s of snippets.filter((x) => !x.checkOnly)) {
    it(`${s.doc}:${s.line} runs as written, ends on its own and writes nothing to stderr`, async () => {
      const cwd = join(work.path, `${s.doc.replace(/\W+/g, '-')}-${s.line}`);
      mkdirSync(cwd);
      const r = await runProgram(process.execPath, ['--import', tsx, s.file], { cwd, timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }, 40_000);
  }
});

function snippetAt(line: number): string {
  return snippets.find((s) => s.line === line)?.doc ?? '?';
}
