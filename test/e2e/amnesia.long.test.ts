/**
 * A member that lost its data dir must not come back as a founding voter: with an empty log and
 * term 0 it could vote a second time in a term it already voted in (or acknowledge a log it no
 * longer has). It is refused; it comes back by the membership protocol (remove, add as a
 * learner, --join, promote) instead.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { FleetClient } from '../../src/client/index.js';
import { RaftStorage } from '../../src/core/storage/index.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

let cluster: TestCluster | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await cluster?.destroy();
  cluster = undefined;
});

/** The hard state a stopped member persisted, read offline from its data dir. */
async function persistedHardState(dataDir: string): Promise<{ term: number; vote: string }> {
  const { storage, hardState } = await RaftStorage.open(join(dataDir, 'raft'), { preallocate: false });
  await storage.close();
  return hardState;
}

/** Resolves with the exit code once the process and its pipes have closed, or undefined after `ms`. */
function closed(child: ChildProcess, ms: number): Promise<number | null | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('a member whose data dir was wiped', () => {
  it('cannot vote again in a term it voted in: restarted with the same --peers it refuses to start; re-seeded as a learner with --join it catches up', async () => {
    cluster = await TestCluster.start({ snapshotEvery: 50 });
    const client = cluster.client();
    for (let i = 0; i < 200; i++) await client.kvPut(`k${i}`, `v${i}`);
    // The leader voted for itself in its term: it has a vote to forget.
    const id = await cluster.waitForLeader();
    const victim = cluster.member(id);
    await cluster.kill(id);
    const voted = await persistedHardState(victim.dataDir);
    expect(voted.vote).toBe(id);
    expect(voted.term).toBeGreaterThanOrEqual(2);
    await cluster.waitForLeader();

    rmSync(victim.dataDir, { recursive: true, force: true });
    cluster.restart(id);
    const code = await closed(victim.child!, 20_000);
    const output = victim.output();
    if (code === undefined) await cluster.kill(id);
    victim.child = undefined;
    expect(code, `the wiped member kept running\n${output.slice(-3000)}`).toBe(1);
    expect(output).toMatch(new RegExp(`MemberStateLostError: member ${id} has no Raft state.*fleet members remove ${id}.*--join`));
    expect(output).not.toMatch(/^\s+at /m);
    // It persisted no term and no vote: nothing it could be asked to vote with.
    if (existsSync(join(victim.dataDir, 'raft'))) expect(await persistedHardState(victim.dataDir)).toMatchObject({ term: 0, vote: '' });
    // Restarted again as it is now (a data dir with a log directory but no state), still refused.
    cluster.restart(id);
    expect(await closed(victim.child!, 20_000)).toBe(1);
    victim.child = undefined;

    // The way back: remove it, add it as a learner, start it with --join on an empty data dir, promote it.
    for (let i = 200; i < 260; i++) await client.kvPut(`k${i}`, `v${i}`);
    const endpoint = `127.0.0.1:${victim.port}`;
    await client.removeMember(id);
    await client.addMember(id, endpoint, { learner: true });
    rmSync(victim.dataDir, { recursive: true, force: true });
    victim.joins = true;
    cluster.launch(victim);
    const probe = cluster.client({ endpoints: [endpoint] });
    await waitFor('the re-seeded member to catch up', async () => {
      const st = await probe.status(endpoint).catch(() => undefined);
      return st && st.snapshotIndex > 0 && st.appliedIndex >= (await client.status()).commitIndex - 1 ? true : undefined;
    }, 30_000);
    expect((await probe.kvGet('k259', { consistency: { maxStalenessMs: 5_000 } }))?.value).toBe('v259');
    await client.promoteMember(id);
    await waitFor('three voters', async () => ((await client.listMembers()).members.filter((m) => m.voter).length === 3 ? true : undefined), 20_000);
  }, 150_000);

  it('founds a new cluster only where that is explicit: an empty --data-dir, or --initial-cluster-state new', async () => {
    const root = tempDir('fleet-amnesia-');
    cleanups.push(root.cleanup);
    const port = await freePort();
    const start = (dataDir: string, extra: string[] = []) => {
      const { child, output } = spawnCli(['node', 'start', '--id', 'n1', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--peers', `n1=127.0.0.1:${port}`, ...extra], MEMBER_ENV, MEMBER_NODE_OPTIONS);
      cleanups.push(() => stopChild(child, 'SIGKILL'));
      return { child, output };
    };
    // No data dir at all: it may be one that was wiped; refused, naming the flag that founds a cluster.
    const missing = start(join(root.path, 'missing'));
    expect(await closed(missing.child, 20_000)).toBe(1);
    expect(missing.output()).toMatch(/MemberStateLostError: .*--initial-cluster-state new/);
    // The same, explicitly new: it founds a one-member cluster and serves.
    const founded = start(join(root.path, 'founded'), ['--initial-cluster-state', 'new']);
    const probe = new FleetClient({ endpoints: [`127.0.0.1:${port}`], callTimeoutMs: 1_000, overallTimeoutMs: 2_000 });
    cleanups.push(() => probe.close());
    await waitFor('the new member to lead', async () => ((await probe.status().catch(() => undefined))?.leaderId === 'n1' ? true : undefined), 20_000);
    await stopChild(founded.child);
    // A joining member never founds anything.
    const usage = await runCli(['node', 'start', '--id', 'n2', '--data-dir', join(root.path, 'j'), '--listen', '127.0.0.1:1', '--join', '--initial-cluster-state', 'new']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--initial-cluster-state new/);
    const bad = await runCli(['node', 'start', '--id', 'n1', '--data-dir', join(root.path, 'b'), '--listen', '127.0.0.1:1', '--peers', 'n1=127.0.0.1:1', '--initial-cluster-state', 'old']);
    expect(bad.code).toBe(2);
  }, 60_000);
});
