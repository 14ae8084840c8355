/**
 * The Mutex and the Election across separate processes, while the cluster's leader member is
 * killed (-9) and brought back: 8 processes contend for one Mutex (3 turns each) and 5 campaign
 * in one Election, at the same time (test/e2e/recipes/contender.mjs, importing 'fleet' by the
 * package's name). Each holder prints its fencing token and its critical section on the wall
 * clock the processes share. Never two holders at once: sorted by start, each section ends before
 * the next begins, and tokens strictly increase in holder order. Every waiter gets its turns and
 * exits on its own. The audit log holds no refused acquire, and one acquire per turn: a waiter
 * writes once, when it is granted.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { spawnProgram, stopChild, tempDir, waitFor } from './processes.js';

const script = fileURLToPath(new URL('./recipes/contender.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const config = tempDir('fleet-contenders-config-');
let cluster: TestCluster;
const contenders: Contender[] = [];

interface Section {
  readonly who: number;
  readonly turn: number;
  readonly token: number;
  readonly start: number;
  readonly end: number;
}

interface Contender {
  readonly label: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startContender(mode: 'mutex' | 'election', name: string, who: number, turns: number, holdMs: number): Contender {
  const env = { FLEET_ENDPOINTS: cluster.endpoints.join(','), FLEET_CONFIG_DIR: config.path, FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const { child, output } = spawnProgram([script, mode, name, String(who), String(turns), String(holdMs), '3000'], { cwd: root, env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { label: `${mode} ${who}`, child, output, exited };
}

function sectionsOf(list: readonly Contender[]): Section[] {
  return list.flatMap((c) => c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Section));
}

/** Sorted by start: each section ends before the next starts, and tokens strictly increase. */
function checkExclusive(what: string, sections: readonly Section[]): void {
  const sorted = [...sections].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    expect(b.start, `${what}: holder ${b.who} (token ${b.token}) started ${(a.end - b.start).toFixed(1)} ms before holder ${a.who} (token ${a.token}) ended`).toBeGreaterThanOrEqual(a.end);
    expect(b.token, `${what}: tokens in holder order`).toBeGreaterThan(a.token);
  }
}

const logs = (): string => contenders.map((c) => `--- ${c.label}\n${c.output().slice(-1500)}`).join('\n') + `\n${cluster.logs()}`;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
});
afterAll(async () => {
  await Promise.all(contenders.map((c) => stopChild(c.child, 'SIGKILL')));
  await cluster?.destroy();
  config.cleanup();
});

describe('recipes across processes', () => {
  it('8 processes on one Mutex and 5 in one Election, across a kill of the leader member: one holder at a time, every waiter served, no refused acquire written', async () => {
    const lockers = Array.from({ length: 8 }, (_, who) => startContender('mutex', 'jobs-lock', who, 3, 40));
    const candidates = Array.from({ length: 5 }, (_, who) => startContender('election', 'scheduler', who, 1, 150));
    contenders.push(...lockers, ...candidates);

    // Kill the leader once both recipes have had a holder: the rest of the contention crosses the election.
    await waitFor('a first Mutex holder and a first Election leader', () => (sectionsOf(lockers).length > 0 && sectionsOf(candidates).length > 0 ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const killedAt = performance.timeOrigin + performance.now();
    // The survivors name the killed leader until their election timeout: wait for another.
    await waitFor('a leader other than the killed one', async () => ((await cluster.waitForLeader(15_000)) !== leader ? true : undefined), 20_000);
    cluster.restart(leader);

    const codes = await Promise.race([
      Promise.all(contenders.map((c) => c.exited)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`contenders still running after 60 s\n${logs()}`)), 60_000).unref()),
    ]);
    expect(codes, logs()).toEqual(contenders.map(() => 0));

    const locks = sectionsOf(lockers);
    const terms = sectionsOf(candidates);
    expect(locks).toHaveLength(24);
    expect(new Set(terms.map((t) => t.who)).size).toBe(5);
    checkExclusive('mutex', locks);
    checkExclusive('election', terms);
    expect(locks.some((s) => s.start > killedAt), 'some turns came after the leader was killed').toBe(true);

    await cluster.waitForLeader();
    const audit = await cluster.client().audit({});
    const acquires = audit.filter((e) => e.op === 'lease.acquire');
    expect(acquires.filter((e) => e.outcome !== 'ok').map((e) => `${e.index} ${e.outcome} ${JSON.stringify(e.args)}`)).toEqual([]);
    expect(acquires.filter((e) => e.args.name === 'jobs-lock')).toHaveLength(24);
    expect(acquires.filter((e) => e.args.name === 'election/scheduler')).toHaveLength(5);
  }, 120_000);
});
