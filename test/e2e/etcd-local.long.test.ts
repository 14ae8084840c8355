/**
 * `fleet init --engine etcd` as an operator runs it from a fresh clone: the built CLI, the
 * installed etcd, a HOME of its own (config and data land under it, by the XDG defaults). The
 * cluster goes through its whole life — init, status, ps, down, up, a kill-leader drill, destroy — and no etcd
 * process may outlive a step that stops it: each is checked by the pid `fleet ps` recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import type { DrillReport } from '../../src/ops/drill/index.js';
import { checkLinearizable, parseJsonLines } from '../../src/ops/history/index.js';
import type { StatusModel } from '../../src/ops/status.js';
import { fast } from './drill-helpers.js';
import { killProcessesMentioning, runCli, tempDir } from './processes.js';

requireEtcd();
const home = tempDir('fleet-etcd-local-');
// Empty values count as unset: the config and data dirs fall back to ones under HOME.
const env = { HOME: home.path, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', FLEET_CONFIG_DIR: '', FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '', FLEET_ENGINE: '' };
const clusterHome = join(home.path, '.local', 'share', 'fleet', 'clusters', 'etcd-e2e');

interface PsMember {
  id: string;
  pid: number | null;
  running: boolean;
  address: string;
  dataDir: string;
}
interface PsCluster {
  name: string;
  engine: string;
  state: string;
  home: string;
  members: PsMember[];
}

function fleet(...args: string[]) {
  return runCli(args, env, 60_000);
}

/** Whether `pid` is alive and still an etcd process (a zombie or a reused pid is not). */
function etcdAlive(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0] !== undefined && argv[0].endsWith('etcd');
  } catch {
    return false;
  }
}

async function ps(): Promise<PsCluster> {
  const r = await fleet('ps', '--name', 'etcd-e2e', '--json');
  expect(r.code, r.stderr).toBe(0);
  const [cluster] = (JSON.parse(r.stdout) as { clusters: PsCluster[] }).clusters;
  return cluster!;
}

async function expectHealthyStatus(...target: string[]): Promise<StatusModel> {
  const r = await fleet('status', ...target, '--json');
  expect(r.code, r.stderr).toBe(0);
  const model = JSON.parse(r.stdout) as StatusModel;
  expect(model.engine).toBe('etcd');
  expect(model.members.map((m) => m.etcd?.name).sort()).toEqual(['n1', 'n2', 'n3']);
  expect(model.members.every((m) => m.healthy)).toBe(true);
  return model;
}

describe('fleet init --engine etcd', () => {
  afterAll(() => {
    // By pid, and only what mentions this test's HOME; the last test asserts nothing was left.
    killProcessesMentioning(home.path);
    home.cleanup();
  });

  let pids: number[] = [];

  it('starts a healthy three-member etcd cluster and makes its context current', async () => {
    const init = await fleet('init', '--engine', 'etcd', '--nodes', '3', '--name', 'etcd-e2e');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/Local etcd cluster etcd-e2e is healthy: 3 members, leader n[123]/);
    expect(init.stdout).toMatch(/^etcd · leader [0-9a-f]{16} · term \d+ · quorum 2 of 3 voters/m);
    const manifest = JSON.parse(readFileSync(join(clusterHome, 'cluster.json'), 'utf8')) as { engine: string };
    expect(manifest.engine).toBe('etcd');
    // Its context is the current one: status needs no --context.
    await expectHealthyStatus();
  }, 40_000);

  it('lists the members with their pids in fleet ps, each a live etcd', async () => {
    const c = await ps();
    expect(c).toMatchObject({ name: 'etcd-e2e', engine: 'etcd', state: 'running', home: clusterHome });
    expect(c.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    pids = c.members.map((m) => m.pid!);
    expect(pids.every((p) => p !== null && etcdAlive(p))).toBe(true);
    for (const m of c.members) expect(m.dataDir).toBe(join(clusterHome, m.id));
  });

  it('refuses what means nothing for etcd in one line, exit 2', async () => {
    const r = await fleet('scale', '--nodes', '5', '--name', 'etcd-e2e');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not apply to local cluster etcd-e2e: it runs etcd/);
  });

  it('stops every member on fleet down, and no etcd process is left', async () => {
    const r = await fleet('down', '--name', 'etcd-e2e');
    expect(r.code, r.stderr).toBe(0);
    expect(pids.filter(etcdAlive)).toEqual([]);
    const c = await ps();
    expect(c.state).toBe('stopped');
    expect(c.members.every((m) => m.pid === null && !m.running)).toBe(true);
  });

  it('starts it again from its data on fleet up', async () => {
    const r = await fleet('up', '--name', 'etcd-e2e');
    expect(r.code, r.stderr).toBe(0);
    await expectHealthyStatus('--context', 'etcd-e2e');
    const c = await ps();
    expect(c.state).toBe('running');
    pids = c.members.map((m) => m.pid!);
    expect(pids.every(etcdAlive)).toBe(true);
  }, 40_000);

  it('passes a kill-leader drill: the leader SIGKILLed by its pid, a new one elected, nothing lost, the history linearizable', async () => {
    const files = tempDir('fleet-etcd-drill-');
    const historyFile = join(files.path, 'history.jsonl');
    const r = await runCli(['drill', 'kill-leader', '--context', 'etcd-e2e', '--json', ...fast({ '--history': historyFile })], env, 120_000);
    const report = JSON.parse(r.stdout) as DrillReport;
    const history = parseJsonLines(readFileSync(historyFile, 'utf8'));
    files.cleanup();
    expect(report.verdict, `${report.reason}\n${r.stderr}`).toBe('pass');
    expect(r.code).toBe(0);
    const [round] = report.rounds;
    expect(round!.killed).toBe(round!.oldLeader);
    expect(round!.oldLeader).toMatch(/^n[123]$/);
    expect(round!.newLeader).toMatch(/^n[123]$/);
    expect(round!.newLeader).not.toBe(round!.oldLeader);
    expect(round!.catchupMs).not.toBeNull();
    expect(round!.acknowledged).toBeGreaterThan(0);
    expect(round).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    expect(history).toHaveLength(report.historyEvents);
    expect(checkLinearizable(history).ok).toBe(true);
    // The killed member was started again by the drill, from the manifest: ps knows its new pid.
    const c = await ps();
    expect(c.state).toBe('running');
    pids = c.members.map((m) => m.pid!);
    expect(pids.every(etcdAlive)).toBe(true);
  }, 120_000);

  // A follower killed under a write once made the workload send that write again to another
  // member ("Connection dropped" read as "never sent"), and the register check failed the run as
  // unsafe (exit 6) for a write the drill itself applied twice. Whether a write is in flight to
  // the killed member is timing: test/ops/drill/etcd-register-client.test.ts pins the rule.
  it.each([
    ['kill-follower', (r: DrillReport['rounds'][number]) => expect(r.killed).not.toBe(r.oldLeader)],
    ['pause-leader', (r: DrillReport['rounds'][number]) => expect(r.newLeader).not.toBe(r.oldLeader)],
    ['rolling-restart', () => undefined],
  ] as const)('passes a %s drill on etcd: nothing lost, nothing applied twice, the history linearizable', async (drill, checkRound) => {
    // 6 s to observe: on a loaded 2-core machine etcd's own election after a paused leader has taken longer than 3 s.
    const r = await runCli(['drill', drill, '--context', 'etcd-e2e', '--json', ...fast({ '--rounds': '2', '--observe': '6s' })], env, 180_000);
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(report.verdict, `${report.reason}\n${r.stderr}`).toBe('pass');
    expect(r.code).toBe(0);
    expect(report.rounds.length).toBeGreaterThan(0);
    for (const round of report.rounds) {
      expect(round).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
      checkRound(round);
    }
    const c = await ps();
    expect(c.state).toBe('running');
    pids = c.members.map((m) => m.pid!);
    expect(pids.every(etcdAlive)).toBe(true);
  }, 180_000);

  it('refuses a partition drill on etcd in one line (exit 2)', async () => {
    const r = await fleet('drill', 'partition', '--context', 'etcd-e2e');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('does not apply to an etcd cluster');
  });

  it('removes it all on fleet destroy --yes', async () => {
    const r = await fleet('destroy', '--name', 'etcd-e2e', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(pids.filter(etcdAlive)).toEqual([]);
    expect(existsSync(clusterHome)).toBe(false);
    expect(readFileSync(join(home.path, '.config', 'fleet', 'contexts.yaml'), 'utf8')).not.toContain('etcd-e2e');
    expect(killProcessesMentioning(home.path), 'processes left running').toEqual([]);
  });

  it('names the package when etcd is not installed (exit 1, one line)', async () => {
    const r = await runCli(['init', '--engine', 'etcd', '--name', 'no-etcd'], { ...env, PATH: join(home.path, 'empty-bin') });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/etcd is not installed.*etcd-server/);
    expect(existsSync(join(home.path, '.local', 'share', 'fleet', 'clusters', 'no-etcd'))).toBe(false);
  });
});
