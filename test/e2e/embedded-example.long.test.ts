/**
 * examples/embedded as its users run it: alone, then as three processes of one program whose
 * workers post, claim, finish and read jobs in its own state machine while the leader's process
 * is SIGKILLed and restarted. The merged history of every process must be linearizable (so no
 * job is claimed by two workers and no acknowledged step is lost), and the members' boards end equal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../../src/client/fleet-client.js';
import { checkLinearizable, parseJsonLines } from '../../src/ops/history/index.js';
import { freePorts, runProgram, spawnProgram, stopChild, tempDir, waitFor } from './processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('fleet-embedded-example-');
afterAll(() => dir.cleanup());

const example = ['--import', 'tsx', 'examples/embedded/index.ts'];

function lines(output: string): Record<string, unknown>[] {
  return output.split('\n').filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('examples/embedded', () => {
  it('runs alone: posts, claims and finishes jobs in its own state machine, and refuses a second claim', async () => {
    const [port] = [await freePorts(1)];
    const r = await runProgram(process.execPath, [...example, '--id', 'solo', '--data', join(dir.path, 'solo'), '--listen', `127.0.0.1:${port}`], { cwd: root, timeoutMs: 30_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const board = lines(r.stdout).find((l) => l['event'] === 'board');
    expect(board).toMatchObject({ counts: { posted: 2, claimed: 0, done: 1 }, refused: { ok: false, found: 'done' } });
  }, 40_000);

  it('runs as three processes and keeps every acknowledged step through a kill -9 of the leader', async () => {
    const base = await freePorts(3);
    const ids = ['a', 'b', 'c'];
    const address = (i: number): string => `127.0.0.1:${base + i}`;
    const peers = ids.map((id, i) => `${id}=${address(i)}`).join(',');
    const history = (id: string): string => join(dir.path, `history-${id}.jsonl`);
    for (const id of ids) writeFileSync(history(id), '');
    const start = (i: number, workloadSeconds: number) =>
      spawnProgram([...example, '--id', ids[i]!, '--data', join(dir.path, ids[i]!), '--listen', address(i), '--peers', peers, '--workload', String(workloadSeconds), '--history', history(ids[i]!), '--process', String(i + (workloadSeconds === 0 ? 10 : 0))], { cwd: root });
    // A workload long enough that a loaded machine still acknowledges the steps the waits below count.
    const apps = ids.map((_, i) => start(i, 25));
    const client = new FleetClient({ endpoints: ids.map((_, i) => address(i)), overallTimeoutMs: 5_000 });
    try {
      const okSteps = (): number => ids.map((id) => readFileSync(history(id), 'utf8').split('\n').filter((l) => l.includes('"type":"ok"')).length).reduce((a, b) => a + b, 0);
      await waitFor('steps acknowledged before the fault', () => okSteps() >= 60, 30_000);
      const { leaderId: leader } = await client.status();
      const victim = ids.indexOf(leader);
      expect(victim).toBeGreaterThanOrEqual(0);
      await stopChild(apps[victim]!.child, 'SIGKILL');
      const before = okSteps();
      await waitFor('a new leader among the survivors', async () => {
        const s = await client.status().catch(() => undefined);
        return s !== undefined && s.leaderId !== '' && s.leaderId !== leader;
      }, 30_000);
      await waitFor('steps acknowledged after the kill', () => okSteps() >= before + 30, 45_000);
      // The killed member comes back from its data dir (serving, no workload of its own).
      apps[victim] = start(victim, 0);
      const survivors = ids.map((_, i) => i).filter((i) => i !== victim);
      await waitFor('the survivors finish their workload', () => survivors.every((i) => lines(apps[i]!.output()).some((l) => l['event'] === 'workload-done')), 60_000);
      await waitFor('the restarted member to catch up', async () => {
        const all = await Promise.all(ids.map((_, i) => client.status(address(i)).catch(() => undefined)));
        return all.every((s) => s !== undefined && s.appliedIndex === all[0]!.appliedIndex && s.appliedIndex > 0);
      }, 30_000);
      const events = ids.flatMap((id) => parseJsonLines(readFileSync(history(id), 'utf8')));
      const result = checkLinearizable(events);
      expect(result.ok, JSON.stringify(result).slice(0, 2000)).toBe(true);
      const faults = apps.flatMap((a) => lines(a.output()).filter((l) => l['event'] === 'fault' || l['event'] === 'fatal'));
      expect(faults).toEqual([]);
    } finally {
      client.close();
      await Promise.all(apps.map((a) => stopChild(a.child)));
    }
  }, 200_000);
});
