/**
 * What an embedded member does when the application's state machine or its disk goes wrong, seen
 * by the host (test/e2e/embed/faults.mjs, three members in one process through `fleet/embed`):
 * a non-deterministic apply is reported as a divergence at the first state check after it, an
 * apply that throws stops that member only, and a storage failure is an event the host outlives.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, runProgram, tempDir } from './processes.js';

const dir = tempDir('fleet-embed-faults-');
afterAll(() => {
  // The storage scenario makes c's log immutable; a failed run may leave it so.
  if (existsSync(join(dir.path, 'storage'))) execFileSync('chattr', ['-R', '-i', join(dir.path, 'storage')]);
  dir.cleanup();
});

interface Seen {
  readonly indexOf: Record<string, number>;
  readonly reads: Record<string, number | string>;
  readonly snapshotIndex: Record<string, number>;
  /** Each member's `status()` as `state/role`, after the scenario. */
  readonly states: Record<string, string>;
  readonly faults: { member: string; code: string; index: number; message: string }[];
  readonly fatal: { member: string; code: string; message: string }[];
}

async function run(scenario: string): Promise<Seen> {
  const base = await freePorts(3);
  const script = fileURLToPath(new URL('./embed/faults.mjs', import.meta.url));
  const r = await runProgram(process.execPath, [script, scenario, join(dir.path, scenario), String(base), String(base + 1), String(base + 2)], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Seen;
}

describe('fleet/embed faults', () => {
  it('a member whose apply is not deterministic reports the divergence at the first check after it, and serves no reads of it', async () => {
    const seen = await run('diverge');
    const expected = Math.ceil(seen.indexOf['13']! / 10) * 10;
    expect(seen.faults).toEqual([expect.objectContaining({ member: 'c', code: 'DIVERGED', index: expected })]);
    expect(seen.faults[0]!.message).toContain(`at index ${expected}`);
    expect(seen.reads).toMatchObject({ a: 25, b: 25 });
    expect(seen.reads['c']).toMatch(/^refused: DIVERGED: .*differs from the leader's at index/);
    expect(seen.fatal).toEqual([]);
  }, 70_000);

  it('an apply that throws stops that member, naming the index and the operation, while the others go on', async () => {
    const seen = await run('throw');
    expect(seen.faults).toEqual([expect.objectContaining({ member: 'c', code: 'APPLY_FAILED', index: seen.indexOf['7'] })]);
    expect(seen.faults[0]!.message).toContain(`entry ${seen.indexOf['7']} (operation "add") threw: cannot count 7`);
    expect(seen.fatal.map((f) => [f.member, f.code])).toEqual([['c', 'FAILED']]);
    expect(seen.reads).toMatchObject({ a: 25, b: 25 });
    expect(seen.reads['c']).toMatch(/^refused: FAILED: /);
    expect(seen.states['c']).toBe('failed/failed');
  }, 70_000);

  it('a storage failure stops the member and is told to the host, which lives on and ends by itself', async () => {
    const seen = await run('storage');
    expect(seen.fatal).toEqual([expect.objectContaining({ member: 'c', code: 'FAILED', message: expect.stringMatching(/EPERM|operation not permitted/i) })]);
    expect(seen.reads).toMatchObject({ a: 25, b: 25 });
    // The member that failed says so (it said leader/ok before, issue 57); the others stopped normally.
    expect(seen.states).toEqual({ a: 'stopped/stopped', b: 'stopped/stopped', c: 'failed/failed' });
  }, 70_000);

  it("a member that missed compacted entries catches up from the leader's snapshot, and a restarted one from its own: the application's state comes with them", async () => {
    const seen = await run('snapshot');
    expect(seen.reads).toEqual({ a: 60, b: 60, c: 60 });
    expect(readFileSync(join(dir.path, 'snapshot', 'c', 'logs', 'c.log'), 'utf8')).toContain('installed a snapshot from the leader');
    expect(seen.snapshotIndex['a']).toBeGreaterThan(0);
    expect(seen.faults).toEqual([]);
    expect(seen.fatal).toEqual([]);
  }, 70_000);
});
