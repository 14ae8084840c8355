/**
 * `fleet drill upgrade` from an earlier commit of this repository to this checkout (issue 40):
 * the earlier build is checked out in a git worktree and built there; a 3-member cluster runs it;
 * the drill replaces each member with this build under load, and the history must verify. Move
 * FROM_COMMIT forward at each release: it is the oldest build a cluster may upgrade from directly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_FORMAT } from '../../src/core/server/data-format.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { runEtcdctl } from './etcdctl.js';
import { CLI_BIN, runCli, runProgram, tempDir, waitFor } from './processes.js';

/** The previous release: the last commit a CI run landed before this wave's upgrade drill. */
const FROM_COMMIT = '1961190';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const scratch = tempDir('fleet-upgrade-');
const worktree = join(scratch.path, 'from');
let fromScript: string;
let current: DrillCluster | undefined;

beforeAll(async () => {
  try {
    execFileSync('git', ['-C', repo, 'cat-file', '-e', `${FROM_COMMIT}^{commit}`], { stdio: 'pipe' });
  } catch {
    throw new Error(`commit ${FROM_COMMIT} is not in this clone's history (a shallow clone?): the upgrade drill builds it; fetch it with git fetch --unshallow`);
  }
  execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', worktree, FROM_COMMIT], { stdio: 'pipe' });
  // That commit's lockfile pins the same versions as this one's, which only adds packages: its build uses these.
  symlinkSync(join(repo, 'node_modules'), join(worktree, 'node_modules'));
  const built = await runProgram('npm', ['run', '-s', 'build'], { cwd: worktree, timeoutMs: 300_000 });
  if (built.code !== 0) throw new Error(`building ${FROM_COMMIT} failed:\n${built.stdout}\n${built.stderr}`);
  fromScript = join(worktree, 'bin', 'run.js');
  expect(existsSync(fromScript)).toBe(true);
}, 360_000);

afterAll(async () => {
  await current?.destroy();
  execFileSync('git', ['-C', repo, 'worktree', 'remove', '--force', worktree], { stdio: 'pipe' });
  scratch.cleanup();
});

describe(`fleet drill upgrade from ${FROM_COMMIT}`, () => {
  it('refuses (exit 4, nothing changed) when the members do not run the --from build', async () => {
    current = await drillCluster({ script: fromScript });
    const r = await runCli(['drill', 'upgrade', ...current.target(), '--from', repo, ...fast()], {}, 120_000);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`--from ${repo.replace(/\/$/, '')}/bin/run\\.js: n\\d runs ${fromScript.replaceAll('/', '\\/').replaceAll('.', '\\.')}.*nothing was changed`));
  }, 120_000);

  it('replaces every member with this build under load: each runs it, nothing lost, the history linearizable', async () => {
    current ??= await drillCluster({ script: fromScript });
    // The earlier build announces no version: no cluster version is agreed while it runs.
    const before = JSON.parse((await runCli(['version', '--cluster', '--json', '--endpoints', current.cluster.endpoints.join(',')])).stdout) as { cluster: unknown };
    expect(before.cluster).toBeNull();
    // A key the earlier build keeps in its registry's KV: this build moves it into the etcd keyspace.
    const endpoints = ['--endpoints', current.cluster.endpoints.join(',')];
    expect((await runCli(['kv', 'put', 'upgrade/kept', 'from-the-old-build', ...endpoints])).code).toBe(0);
    // A lease the earlier build keeps in its registry: this build moves it into the keyspace, token and all.
    const acquired = await runCli(['leases', 'acquire', 'upgrade/held', '--holder', 'h', '--ttl', '10m', '--json', ...endpoints]);
    expect(acquired.code, acquired.stderr).toBe(0);
    const { token } = (JSON.parse(acquired.stdout) as { lease: { token: number } }).lease;
    const { code, report, stderr } = await current.drill('upgrade', [...current.target(), '--from', worktree, ...fast()], 240_000);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [round] = report.rounds;
    expect(round).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    const onNew = round!.checks.filter((c) => c.name === 'runs-new-build');
    expect(onNew).toHaveLength(3);
    for (const check of onNew) expect(check.ok, check.detail).toBe(true);
    for (const check of onNew) expect(check.detail).toContain(CLI_BIN);
    // Every member now announces this build's version: the leader records it as the cluster's.
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const agreed = await waitFor('the cluster version to be agreed on the new build', async () => {
      const r = await runCli(['version', '--cluster', '--json', '--endpoints', current!.cluster.endpoints.join(',')]);
      const doc = JSON.parse(r.stdout) as { cluster: { version: string } | null; mixed: boolean };
      return doc.cluster !== null && !doc.mixed ? doc : undefined;
    }, 30_000);
    expect(agreed.cluster).toEqual({ version, dataFormat: DATA_FORMAT });
    // The data dirs of the earlier format were migrated: the key is in the keyspace, where etcdctl reads it.
    const etcdctl = requireEtcd().etcdctl;
    const got = await waitFor('the KV to move into the keyspace', async () => {
      const r = await runEtcdctl(etcdctl, ['--endpoints', current!.cluster.endpoints.join(','), 'get', 'upgrade/kept', '--print-value-only']);
      return r.code === 0 && r.out.trim() !== '' ? r.out.trim() : undefined;
    }, 30_000);
    expect(got).toBe('from-the-old-build');
    const read = await runCli(['kv', 'get', 'upgrade/kept', '--json', ...endpoints]);
    expect(JSON.parse(read.stdout)).toMatchObject({ key: 'upgrade/kept', value: 'from-the-old-build' });
    // The lease is an etcd lease now, and its holder renews it with the token the old build gave.
    const live = await waitFor('the lease to move into the keyspace', async () => {
      const r = await runEtcdctl(etcdctl, ['--endpoints', current!.cluster.endpoints.join(','), 'get', '/fleet/lease-grants/upgrade%2Fheld', '--print-value-only']);
      return r.code === 0 && r.out.trim() !== '' ? r.out.trim() : undefined;
    }, 30_000);
    expect(JSON.parse(live)).toMatchObject({ holder: 'h', token });
    const renewed = await runCli(['leases', 'renew', 'upgrade/held', '--holder', 'h', '--fencing-token', String(token), '--json', ...endpoints]);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect((JSON.parse(renewed.stdout) as { lease: { token: number; holder: string } }).lease).toMatchObject({ token, holder: 'h' });
  }, 240_000);
});
