import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { cliSandbox, json, ok, type ErrorDoc } from './cli-helpers.js';
import { freePort, runCli, waitFor } from './processes.js';

interface StatusDoc {
  leader: string | null;
  term: number;
  quorum: { voters: number; size: number; healthyVoters: number; failureTolerance: number; available: boolean };
  members: { id: string | null; address: string; role: string; term: number | null; commitIndex: number | null; appliedIndex: number | null; lastIndex: number | null; lag: number | null; healthy: boolean }[];
}

let cluster: TestCluster;
const sandbox = cliSandbox();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cluster = await TestCluster.start();
  env = { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(',') };
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

/** Status until every member reports healthy (followers need a heartbeat after an election). */
function healthyStatus(): Promise<StatusDoc> {
  return waitFor('a healthy status', async () => {
    const doc = await json<StatusDoc>(['status'], env);
    return doc.members.every((m) => m.healthy) ? doc : undefined;
  }, 30_000, 100);
}

describe('fleet status against a real cluster', () => {
  it('prints the --json document with one row per member', async () => {
    const doc = await healthyStatus();
    expect(typeof doc.leader).toBe('string');
    expect(doc.term).toBeGreaterThan(0);
    expect(doc.quorum).toEqual({ voters: 3, size: 2, healthyVoters: 3, failureTolerance: 1, available: true });
    expect(doc.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    for (const m of doc.members) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['id', 'address', 'role', 'term', 'commitIndex', 'appliedIndex', 'lastIndex', 'lag', 'healthy']));
      expect(m.address).toBe(cluster.endpoints[Number(m.id!.slice(1)) - 1]);
      expect(m.role).toBe(m.id === doc.leader ? 'leader' : 'follower');
      expect(m.commitIndex).toBeGreaterThan(0);
    }
  });

  it('prints a table with a header naming the leader and the failure tolerance', async () => {
    await healthyStatus();
    const out = await ok(['status'], env);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cluster fleet · leader n\d · term \d+ · quorum 2 of 3 voters · can lose 1 of 3$/);
    expect(lines[2]).toMatch(/^ID\s+ADDRESS\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+LAST\s+LAG\s+CONTACT\s+HEALTH\s+AUTOPILOT$/);
    expect(lines.slice(3).filter((l) => /^n\d\s/.test(l))).toHaveLength(3);
    expect(out).not.toContain('\u001b[');
  });

  it('uses a context when no endpoints are given', async () => {
    await ok(['context', 'add', 'e2e', '--endpoints', cluster.endpoints.join(',')], sandbox.env);
    const doc = await json<StatusDoc>(['status'], sandbox.env);
    expect(doc.members).toHaveLength(3);
    const list = await json<{ current: string; contexts: { name: string }[] }>(['context', 'list'], sandbox.env);
    expect(list.current).toBe('e2e');
  });

  it('lists the members', async () => {
    const doc = await json<{ leader: string; members: { id: string; voter: boolean; leader: boolean }[] }>(['members', 'list'], env);
    expect(doc.members.map((m) => [m.id, m.voter])).toEqual([['n1', true], ['n2', true], ['n3', true]]);
    expect(doc.members.filter((m) => m.leader).map((m) => m.id)).toEqual([doc.leader]);
  });

  it('transfers leadership to the most caught-up follower and confirms it', async () => {
    const before = await healthyStatus();
    const t = await json<{ from: string; to: string; term: number; tookMs: number }>(['leader', 'transfer'], env);
    expect(t.from).toBe(before.leader);
    expect(t.to).not.toBe(before.leader);
    expect(t.term).toBeGreaterThan(before.term);
    const after = await json<StatusDoc>(['status'], env);
    expect(after.leader).toBe(t.to);
    const human = await runCli(['leader', 'transfer', '--to', t.from], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^leader ${t.to} → ${t.from} \\(term \\d+\\) in \\d`));
    const refused = await runCli(['leader', 'transfer', '--to', t.from], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`${t.from} is already the leader`);
  }, 120_000);

  it('exits 2 with a usage hint on bad flags', async () => {
    const r = await runCli(['status', '--bogus'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['error: Nonexistent flag: --bogus (see fleet status --help)']);
    const missing = await runCli(['clusters', 'bind', 'c1'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd()).toBe('error: missing required flag --shard (see fleet clusters bind --help)');
    const badDuration = await json<ErrorDoc>(['status', '--timeout', 'soon'], env, 2);
    expect(badDuration.error).toMatchObject({ code: 'USAGE', exitCode: 2, hint: 'see fleet status --help' });
    expect(badDuration.error.message).toMatch(/^--timeout: invalid duration "soon"/);
  });

  it('exits 3 within the timeout with one line when the endpoints are unreachable', async () => {
    const port = await freePort();
    for (const args of [['kv', 'get', 'x'], ['status']]) {
      const started = Date.now();
      const r = await runCli([...args, '--endpoints', `127.0.0.1:${port}`, '--timeout', '1s'], sandbox.env);
      expect(r.code, r.stderr).toBe(3);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
    }
    const doc = await json<ErrorDoc>(['kv', 'get', 'x', '--endpoints', `127.0.0.1:${port}`, '--timeout', '1s'], sandbox.env, 3);
    expect(doc.error).toMatchObject({ code: 'UNAVAILABLE', exitCode: 3 });
  });

  it('shows a dead member as unreachable, refuses unsafe removals, and exits 3 without quorum', async () => {
    const leader = (await healthyStatus()).leader!;
    const [victim, survivor] = ['n1', 'n2', 'n3'].filter((id) => id !== leader);
    await cluster.kill(victim!);
    const doc = await waitFor('the dead member seen as unreachable', async () => {
      const d = await json<StatusDoc>(['status', '--timeout', '1s'], env, 7);
      return d.members.find((m) => m.id === victim)?.role === 'unreachable' && d.leader !== null ? d : undefined;
    }, 30_000, 100);
    expect(doc.quorum).toMatchObject({ healthyVoters: 2, failureTolerance: 0, available: true });
    const table = await runCli(['status', '--timeout', '1s'], env);
    expect(table.code).toBe(7);
    expect(table.stdout).toMatch(/can lose 0 of 3 \(1 down\)/);
    expect(table.stderr.trimEnd()).toBe(`warning: degraded: ${victim}: unreachable: connection refused; can lose no voter: 2 healthy of 3, quorum 2`);
    const refused = await runCli(['members', 'remove', survivor!], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/refused: it leaves 1 healthy of 2 voters, below the quorum of 2.*\(pass --force to accept the risk\)/);
    await cluster.kill(survivor!);
    const started = Date.now();
    const r = await runCli(['status', '--timeout', '1s'], env);
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stdout).toMatch(/unreachable/);
    expect(r.stderr).toMatch(/^error: /);
  }, 120_000);
});
