import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { formatPlan, parsePlan, PLAN_SCHEMA_URL, rollbackPathOf, type RebindPlan } from '../../../src/ops/rebind/index.js';
import { readPlanFile } from '../../../src/ops/rebind/plan-file.js';
import { tempDir } from '../../temp-dirs.js';

const PLAN: RebindPlan = {
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

function problem(text: string, format: 'yaml' | 'json'): CliError {
  try {
    parsePlan(text, format, 'plan.' + format);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(4);
    return err as CliError;
  }
  return expect.fail('the plan was accepted');
}

describe('plan files', () => {
  it('writes YAML without anchors or aliases, even where the planner shares one array between fields', () => {
    const shards = ['s1'];
    const shared: RebindPlan = { ...PLAN, strategy: { kind: 'drain', shards, targets: ['s2', 's3'] }, source: { ...PLAN.source, shards } };
    const text = formatPlan(shared, 'yaml');
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.match(/^ {4}- s1$/gm)).toHaveLength(2);
    expect(parsePlan(text, 'yaml', 'plan.yaml')).toEqual(shared);
  });

  it('round-trip through YAML and JSON, names like 123 and null staying strings', () => {
    for (const format of ['yaml', 'json'] as const) {
      const text = formatPlan(PLAN, format);
      expect(parsePlan(text, format, 'p')).toEqual(PLAN);
      expect(text.split('\n').filter((l) => l.includes('"cluster"') || l.includes('cluster:'))).toHaveLength(3);
    }
  });

  it('names the move, the field and the line of an unknown field', () => {
    const text = formatPlan(PLAN, 'yaml').replace('{cluster: "123", from: "s1", to: "s3"}', '{cluster: "123", from: "s1", to: "s3", weight: 2}');
    const line = text.split('\n').findIndex((l) => l.includes('weight')) + 1;
    expect(problem(text, 'yaml').message).toBe(`plan.yaml: line ${line}: moves[1] (cluster "123"): unknown field "weight"`);
  });

  it('refuses a cluster moved twice, a move to where it is, bad names and missing fields, naming each', () => {
    const twice = { ...PLAN, moves: [...PLAN.moves, { cluster: 'c1', from: 's2', to: 's3' }] };
    expect(problem(JSON.stringify(twice), 'json').message).toBe('plan.json: moves[3] (cluster "c1"): moves the cluster a second time (first at moves[0])');
    const noop = { ...PLAN, moves: [{ cluster: 'c9', from: 's1', to: 's1' }] };
    expect(problem(JSON.stringify(noop), 'json').message).toBe('plan.json: moves[0] (cluster "c9"): from and to are both "s1"; nothing to move');
    const badName = { ...PLAN, moves: [{ cluster: 'c9', from: 's1', to: 'has space' }] };
    expect(problem(JSON.stringify(badName), 'json').message).toBe('plan.json: moves[0] (cluster "c9").to: must be a name (1-253 letters, digits or -._:/@, starting with a letter or digit), got "has space"');
    const missing = { ...PLAN, moves: [{ cluster: 'c9', from: 's1' }] };
    expect(problem(JSON.stringify(missing), 'json').message).toBe('plan.json: moves[0] (cluster "c9"): missing field "to"');
    const { source: _source, ...noSource } = PLAN;
    expect(problem(JSON.stringify({ ...noSource, version: 2 }), 'json').message).toBe('plan.json: the plan: missing field "source"; the plan: unknown field "version"');
  });

  it('says where a file is not YAML or JSON at all', () => {
    expect(problem('{"moves": [', 'json').message).toMatch(/^plan\.json: not valid JSON: /);
    expect(problem('moves: [\n  - {cluster: a\n', 'yaml').message).toMatch(/^plan\.yaml: not valid YAML at line \d+: /);
  });

  it('accepts the example plan in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(apiVersion: fleet\/v1[\s\S]*?)```/.exec(readme)![1]!;
    expect(parsePlan(example, 'yaml', 'README.md').moves).toEqual([{ cluster: 'c-123', from: 's1', to: 's2' }, { cluster: 'c-124', from: 's1', to: 's3' }]);
  });

  it('puts the rollback next to the plan, and ships the schema in the package', () => {
    expect(rollbackPathOf('/tmp/drain-s1.yaml')).toBe('/tmp/drain-s1.rollback.yaml');
    expect(rollbackPathOf('plans/x.json')).toBe('plans/x.rollback.json');
    expect(rollbackPathOf('plan')).toBe('plan.rollback');
    const schema = JSON.parse(readFileSync(PLAN_SCHEMA_URL, 'utf8')) as { title: string };
    expect(schema.title).toBe('fleet rebind plan');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schemas');
  });
});

describe('writing a plan a piece at a time', () => {
  it('writes the same bytes as formatPlan across piece boundaries, and reads back the same plan', async () => {
    const { readFileSync: read } = await import('node:fs');
    const { join } = await import('node:path');
    const { writePlanFile } = await import('../../../src/ops/rebind/plan-file.js');
    const dir = tempDir('fleet-write-').path;
    for (const n of [0, 1, 5_000, 5_001, 12_345]) {
      const plan = { ...PLAN, moves: Array.from({ length: n }, (_, i) => ({ cluster: `c-${i}`, from: 's1', to: i % 2 === 0 ? 's2' : 's3' })) };
      for (const format of ['yaml', 'json'] as const) {
        const file = join(dir, `p${n}.${format}`);
        await writePlanFile(file, plan);
        const text = read(file, 'utf8');
        expect(text).toBe(formatPlan(plan, format));
        if (n > 0) expect(parsePlan(text, format, file)).toEqual(plan);
      }
    }
  });
});

describe('a YAML alias bomb', () => {
  it('is refused naming the file', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(tempDir('fleet-bomb-').path, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']]) levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    writeFileSync(file, `${levels.join('\n')}\n`);
    await expect(readPlanFile(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: refused: .*alias`));
  });
});
