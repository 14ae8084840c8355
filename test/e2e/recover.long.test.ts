import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePorts, killProcessesMentioning, runCli, tempDir, waitFor } from './processes.js';

/**
 * Disaster recovery after quorum loss, as an operator runs it: a three-member local cluster
 * loses two members for good (SIGKILL, data deleted); `fleet recover --from <survivor>` rebuilds
 * a one-member cluster from the survivor, keeping every write it held as committed; `fleet scale
 * --nodes 3` grows it back, and a kill-leader drill passes on the result.
 */

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = tempDir('fleet-recover-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
});

afterEach(() => {
  const left = killProcessesMentioning(home.path);
  home.cleanup();
  expect(left, 'processes left running by the test').toEqual([]);
});

function fleet(...args: string[]) {
  return runCli(args, env, 120_000);
}

/** Runs `fleet … --json`, expecting exit `code`; the parsed document. */
async function json<T>(code: number, ...args: string[]): Promise<T> {
  const r = await fleet(...args, '--json');
  expect(r.code, `fleet ${args.join(' ')} --json\n${r.stdout}\n${r.stderr}`).toBe(code);
  return JSON.parse(r.stdout) as T;
}

interface PsMember {
  id: string;
  pid: number | null;
  running: boolean;
  dataDir: string;
}
interface PsCluster {
  name: string;
  home: string;
  members: PsMember[];
}
interface StatusDoc {
  leader: string | null;
  members: { id: string; role: string; commitIndex: number; healthy: boolean }[];
}
interface Plan {
  id: string;
  lastIndex: number;
  lastTerm: number;
  commitIndex: number;
  dropped: string[];
  uncommitted: { count: number };
  after: { voters: string[] };
}
interface ErrorDoc {
  error: { code: string; message: string; exitCode: number; details?: { plan?: Plan } };
}

async function cluster(): Promise<PsCluster> {
  const { clusters } = await json<{ clusters: PsCluster[] }>(0, 'ps');
  return clusters[0]!;
}

describe('fleet recover', () => {
  it('rebuilds a cluster that lost two of three members from the survivor, keeps every committed write, grows back to three and passes a kill-leader drill', async () => {
    const base = await freePorts(5, 3);
    const init = await fleet('init', '--base-port', String(base), '--json');
    expect(init.code, init.stderr).toBe(0);

    // Acknowledged writes, each with the index it committed at.
    const written = new Map<string, { value: string; index: number }>();
    for (let i = 0; i < 6; i++) {
      const put = await json<{ index: number }>(0, 'kv', 'put', `app/k${i}`, `v${i}`);
      written.set(`app/k${i}`, { value: `v${i}`, index: put.index });
    }
    const lastAck = Math.max(...[...written.values()].map((w) => w.index));

    // The survivor is a follower; wait until it knows every acknowledged write committed.
    const status = await json<StatusDoc>(0, 'status');
    const survivor = status.members.find((m) => m.id !== status.leader)!.id;
    let heldCommit = 0;
    await waitFor(`${survivor} to hold index ${lastAck} as committed`, async () => {
      const s = await json<StatusDoc>(0, 'status');
      heldCommit = s.members.find((m) => m.id === survivor)!.commitIndex;
      return heldCommit >= lastAck ? true : undefined;
    }, 10_000);

    // While a quorum answers, recover refuses and changes nothing.
    const refused = await json<ErrorDoc>(4, 'recover', '--from', survivor, '--yes');
    expect(refused.error.message).toMatch(/a quorum of local answers/);
    expect((await cluster()).members).toHaveLength(3);

    // Two members are gone for good: killed, their data deleted.
    const before = await cluster();
    const lost = before.members.filter((m) => m.id !== survivor);
    for (const m of lost) process.kill(m.pid!, 'SIGKILL');
    await waitFor('the killed members to exit', () => (lost.every((m) => !alive(m.pid!)) ? true : undefined), 5_000);
    for (const m of lost) rmSync(m.dataDir, { recursive: true, force: true });

    // Without --yes: the report, exit 2 naming --yes, nothing changed.
    const human = await fleet('recover', '--from', survivor);
    expect(human.code, human.stderr).toBe(2);
    expect(human.stderr).toMatch(/--yes/);
    expect(human.stdout).toMatch(/committed:\s+up to index \d+/);
    expect(human.stdout).toMatch(new RegExp(`dropped:\\s+${lost.map((m) => m.id).join(', ')}`));
    const unconfirmed = await json<ErrorDoc>(2, 'recover', '--from', survivor);
    expect(unconfirmed.error.message).toMatch(/pass --yes/);
    const preview = unconfirmed.error.details!.plan!;
    expect(preview.dropped).toEqual(lost.map((m) => m.id).sort());
    expect(preview.commitIndex).toBeGreaterThanOrEqual(heldCommit);
    expect((await cluster()).members.find((m) => m.id === survivor)!.running).toBe(true);

    // `fleet node recover` works on stopped members only: the survivor still runs.
    const busy = await json<ErrorDoc>(4, 'node', 'recover', '--data-dir', before.members.find((m) => m.id === survivor)!.dataDir, '--id', survivor, '--yes');
    expect(busy.error.code).toBe('MEMBER_RUNNING');

    const done = await json<{ outcome: string; plan: Plan; movedAside: string; droppedFile: string; leader: string }>(0, 'recover', '--from', survivor, '--yes');
    expect(done.outcome).toBe('recovered');
    expect(done.leader).toBe(survivor);
    expect(done.plan.after.voters).toEqual([survivor]);
    expect(done.plan.commitIndex).toBeGreaterThanOrEqual(heldCommit);
    expect(existsSync(done.movedAside)).toBe(true);
    const dropped = JSON.parse(readFileSync(done.droppedFile, 'utf8')) as { droppedMembers: string[]; droppedEntries: unknown[]; kept: { throughIndex: number } };
    expect(dropped.droppedMembers).toEqual(lost.map((m) => m.id).sort());
    expect(dropped.droppedEntries).toHaveLength(done.plan.uncommitted.count);
    expect(dropped.kept.throughIndex).toBe(done.plan.commitIndex);
    expect((await cluster()).members.map((m) => m.id)).toEqual([survivor]);

    // Every write the survivor held as committed is there.
    // One linearizable read of the prefix: each CLI run costs a process start.
    const check = async () => {
      const { entries } = await json<{ entries: { key: string; value: string }[] }>(0, 'kv', 'list', '--prefix', 'app/');
      const held = new Map(entries.map((e) => [e.key, e.value]));
      for (const [key, w] of written) if (w.index <= heldCommit) expect(held.get(key), key).toBe(w.value);
    };
    await check();
    await json(0, 'kv', 'put', 'app/after-recover', 'yes');

    // Grown back to three, and the result survives losing its leader.
    const scaled = await json<{ outcome: string; to: number }>(0, 'scale', '--nodes', '3');
    expect(scaled.to).toBe(3);
    const healthy = await json<StatusDoc>(0, 'status');
    expect(healthy.members.map((m) => m.healthy)).toEqual([true, true, true]);
    const drill = await fleet('drill', 'kill-leader', '--rounds', '1', '--warmup', '1s', '--observe', '3s', '--clients', '4', '--keys', '8', '--settle', '30s', '--json');
    expect(drill.code, `${drill.stdout}\n${drill.stderr}`).toBe(0);
    expect((JSON.parse(drill.stdout) as { verdict: string }).verdict).toBe('pass');
    for (const key of ['app/k0', 'app/k5', 'app/after-recover']) expect((await json<{ value: string }>(0, 'kv', 'get', key)).value, key).toBe(written.get(key)?.value ?? 'yes');

    const destroyed = await fleet('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
  }, 240_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}
