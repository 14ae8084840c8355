/**
 * The layout reader (plan-yaml.ts) against the yaml library's full tree: for every text, both
 * accept the same plan or refuse it with the same message, exit code and details.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { formatPlan, parsePlan, type RebindPlan } from '../../../src/ops/rebind/index.js';
import { FULL_YAML_PARSE_LIMIT } from '../../../src/ops/rebind/plan-file.js';
import { readWriterLayout } from '../../../src/ops/rebind/plan-yaml.js';

type Outcome = { plan: RebindPlan } | { error: string; exitCode: number; code: string | undefined; details: unknown };

function outcome(text: string, reader: 'auto' | 'full'): Outcome {
  try {
    return { plan: parsePlan(text, 'yaml', 'p.yaml', reader) };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return { error: err.message, exitCode: err.exitCode, code: err.code, details: err.details };
  }
}

/** Both readers agree; answers whether the layout reader took the text (so a test can insist it did). */
function agree(text: string): boolean {
  expect(outcome(text, 'auto')).toEqual(outcome(text, 'full'));
  return 'moves' in readWriterLayout(text);
}

const BASE: RebindPlan = {
  apiVersion: 'fleet/v1',
  kind: 'RebindPlan',
  id: 'drain-s1',
  createdAt: '2025-01-02T03:04:05.000Z',
  createdBy: 'alice@ops-1',
  strategy: { kind: 'drain', shards: ['s1'], targets: ['s2', 's3'] },
  source: { appliedIndex: 42, digest: `m4:3:${'0a'.repeat(16)}`, shards: ['s1'], clusters: 3, bound: { s1: 3, s2: 0, s3: 1 } },
  moves: [
    { cluster: 'c1', from: 's1', to: 's2' },
    { cluster: '123', from: 's1', to: 's3' },
    { cluster: 'null', from: 's1', to: 's2' },
  ],
};

/** Names, valid or not: YAML's special characters, quotes, escapes, non-ASCII, empty, too long. */
const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.:@/-]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('null', 'yes', '123', '1e3', '~', '', ' a', 'a b', 'x'.repeat(254), 'é', '😀', '#x', 'a: b', '*a', '&a', '!t', '- x', '{a}', '"', "'", '\\', 'a\tb', 'a\nb', '\u0085', '\ufeff', '\u2028') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const moveArb = fc.record({ cluster: nameArb, from: fc.constantFrom('s1', 's2', 's3', 'bad shard'), to: fc.constantFrom('s1', 's2', 's3') });
const planArb = fc.array(moveArb, { minLength: 1, maxLength: 12 }).map((moves): RebindPlan => ({ ...BASE, moves }));

/** Edits a whole plan text the way hands and accidents do. */
const editArb = fc.oneof(
  fc.constant((t: string) => t.replace(/\n/g, '\r\n')),
  fc.constant((t: string) => `${t}\n\n`),
  fc.constant((t: string) => t.replace(/\n$/, '')),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.record({ at: fc.nat(), text: fc.constantFrom('# note\n', '  # note\n', '\n', '  - {cluster: "c1", from: "s1", to: "s2"}\n', '  - {cluster: c7, from: s1, to: s2}\n', "  - {cluster: 'c7', from: 's1', to: 's2'}\n", '  - {cluster: "c7", from: "s1"}\n', '  - cluster: "c7"\n    from: "s1"\n    to: "s2"\n', 'moves:\n', 'x: 1\n', '---\n', '...\n', '\t\n', '  -  {cluster: "c8", from: "s1", to: "s2"}\n') }).map(
    ({ at, text }) =>
      (t: string) => {
        const lines = t.split('\n');
        const i = at % lines.length;
        return [...lines.slice(0, i), text.replace(/\n$/, ''), ...lines.slice(i)].join('\n');
      },
  ),
  fc.record({ at: fc.nat(), ch: fc.constantFrom(':', '#', '"', "'", '\\', '{', '}', '-', ' ', '\n', '\t', '&', '*', '!', ',', '\r', 'x') }).map(
    ({ at, ch }) =>
      (t: string) => {
        const i = at % t.length;
        return t.slice(0, i) + ch + t.slice(i + 1);
      },
  ),
  fc.constant((t: string) => t.replace('  - {', '  - &m {').replace(/(\n {2}- \{[^\n]*\n)$/, '$1  - *m\n')),
);

describe('the layout reader and the full YAML parser (property)', () => {
  it('agree on the plans fleet writes, whatever the names', () => {
    let streamed = 0;
    fc.assert(
      fc.property(planArb, (plan) => {
        if (agree(formatPlan(plan, 'yaml'))) streamed++;
      }),
      { numRuns: 300 },
    );
    // Names with escapes (a tab, a quote) leave the layout; most names keep it.
    expect(streamed).toBeGreaterThan(150);
  });

  it('agree on the same plans edited: CRLF, comments, quoting, duplicates, bad shards, missing fields, truncation, stray characters, anchors', () => {
    fc.assert(
      fc.property(planArb, fc.array(editArb, { minLength: 1, maxLength: 3 }), (plan, edits) => {
          agree(edits.reduce((t, edit) => edit(t), formatPlan(plan, 'yaml')));
        }),
      { numRuns: 600 },
    );
  });
});

describe('the layout reader (examples)', () => {
  const text = formatPlan(BASE, 'yaml');

  it('reads a duplicate move, a bad shard and a missing field with the same field, move and line', () => {
    const dup = text.replace(/\n$/, '\n  - {cluster: "c1", from: "s2", to: "s3"}\n');
    expect(agree(dup)).toBe(true);
    expect(outcome(dup, 'auto')).toMatchObject({ error: `p.yaml: line ${dup.split('\n').length - 1}: moves[3] (cluster "c1"): moves the cluster a second time (first at moves[0])` });
    const bad = text.replace('to: "s3"}', 'to: "s 3"}');
    expect(agree(bad)).toBe(true);
    expect(outcome(bad, 'auto')).toMatchObject({ error: expect.stringMatching(/^p\.yaml: line \d+: moves\[1\] \(cluster "123"\)\.to: must be a name/) as unknown });
    const missing = text.replace(', to: "s3"}', '}');
    expect(agree(missing)).toBe(false);
  });

  it('keeps CRLF, blank lines at the end and a header with comments, anchors and aliases', () => {
    const header = text.replace('id: drain-s1', 'id: &id drain-s1 # the plan').replace('kind: drain', '# how\n  kind: drain');
    const aliased = header.replace('strategy:\n  # how\n  kind: drain\n  shards:\n    - s1\n  targets:\n    - s2\n    - s3', 'strategy: {kind: rollback, of: *id}');
    for (const t of [text.replace(/\n/g, '\r\n'), `${text}\n\n`, header, aliased]) expect(agree(t)).toBe(true);
    expect(outcome(aliased, 'auto')).toMatchObject({ plan: { strategy: { kind: 'rollback', of: 'drain-s1' } } });
  });

  it('refuses an alias bomb in the header as the full parser does', () => {
    const levels = ['x-a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']]) levels.push(`x-${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const bomb = text.replace('apiVersion:', `${levels.join('\n')}\napiVersion:`);
    expect(agree(bomb)).toBe(true);
    expect(outcome(bomb, 'auto')).toMatchObject({ error: expect.stringMatching(/^p\.yaml: refused: .*alias/) as unknown, exitCode: 4 });
  });

  it('reads a plan far over the full parser limit, and refuses one not laid out as fleet writes it, in one line', () => {
    const moves = Array.from({ length: 60_000 }, (_, i) => ({ cluster: `c-${i}`, from: 's1', to: 's2' }));
    const big = formatPlan({ ...BASE, moves }, 'yaml');
    expect(big.length).toBeGreaterThan(FULL_YAML_PARSE_LIMIT);
    const plan = outcome(big, 'auto');
    expect('plan' in plan && plan.plan.moves).toHaveLength(60_000);
    const last = big.split('\n').length - 1;
    expect(outcome(big.replace(/to: "s2"}\n$/, 'to: "s 2"}\n'), 'auto')).toMatchObject({ error: expect.stringMatching(new RegExp(`^p\\.yaml: line ${last}: moves\\[59999\\] \\(cluster "c-59999"\\)\\.to: must be a name`)) as unknown });
    const edited = big.replace('  - {cluster: "c-7",', '  # hand edit\n  - {cluster: "c-7",');
    const refused = outcome(edited, 'auto');
    const line = edited.split('\n').indexOf('  # hand edit') + 1;
    expect(refused).toEqual({
      error: `p.yaml: a YAML plan over 2 MB must be laid out as fleet writes it, and line ${line} is not one move in the form \`  - {cluster: "…", from: "…", to: "…"}\`; rewrite it with fleet rebind plan generate, or convert it to JSON (.json)`,
      exitCode: 4,
      code: 'INVALID_PLAN',
      details: undefined,
    });
  });
});
