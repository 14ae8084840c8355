/**
 * A member whose disk fills up, as real processes: one member's data dir is a small tmpfs that
 * the test fills while the cluster takes writes. It stops appending but keeps running, the other
 * two keep the cluster writable, and it catches up by itself once space is freed. Mounting needs
 * root; skipped with the reason otherwise.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../src/client/index.js';
import { fillDisk, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from '../core/storage/fixtures/tmpfs.js';
import { TestCluster } from './cluster.js';
import { runCli, waitFor } from './processes.js';

let cluster: TestCluster | undefined;
let disk: Tmpfs | undefined;
afterEach(async () => {
  if (cluster) for (const m of cluster.members) await cluster.kill(m.id);
  disk?.unmount();
  disk = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

/** The `time` of the first JSON log line whose msg matches. */
function loggedAt(output: string, msg: RegExp): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { time?: number; msg?: string };
      if (j.msg && msg.test(j.msg)) return j.time;
    } catch {
      // a line cut by the output buffer
    }
  }
  return undefined;
}

/** Moves the member's data dir onto a tmpfs of `bytes` mounted in its place (the member must be stopped). */
function moveOntoTmpfs(dataDir: string, bytes: number): Tmpfs {
  const saved = mkdtempSync(join(tmpdir(), 'fleet-disk-full-'));
  try {
    cpSync(dataDir, saved, { recursive: true });
    rmSync(dataDir, { recursive: true, force: true });
    const mounted = mountTmpfs(bytes, dataDir);
    try {
      cpSync(saved, dataDir, { recursive: true });
    } catch (err) {
      mounted.unmount();
      throw err;
    }
    return mounted;
  } finally {
    rmSync(saved, { recursive: true, force: true });
  }
}

/** Writes k0, k1, … until stopped, recording every write the cluster acknowledged. */
function writeLoad(client: FleetClient): { acked: Map<string, number>; stop: () => Promise<void> } {
  const acked = new Map<string, number>();
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const key = `k${i}`;
      await client.kvPut(key, 'v'.repeat(512)).then(
        (r) => acked.set(key, r.index),
        // A refusal can come without a round trip (the client already knows the leader is out of
        // space): without a pause the loop would hold the event loop in microtasks and starve the
        // test's own timers (a CI run hung here for 40 minutes).
        () => new Promise<void>((resolve) => setTimeout(resolve, 10)),
      );
    }
  })();
  return {
    acked,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function metric(port: number, name: string): Promise<number | undefined> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`a member whose disk fills${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ''}`, () => {
  it('stops appending without taking the cluster down, hands off leadership, reports it, and catches up once space is freed; restarted on a full disk it fails with one line', async () => {
    cluster = await TestCluster.start({ metrics: true });
    const client = cluster.client();
    await client.kvPut('before', 'x');
    // n1's data dir on a 16 MiB tmpfs, and n1 the leader: the hardest case, it must hand off.
    const victim = cluster.member('n1');
    await cluster.kill('n1', 'SIGTERM');
    disk = moveOntoTmpfs(victim.dataDir, 16 << 20);
    cluster.restart('n1');
    const endpoint = `127.0.0.1:${victim.port}`;
    const n1 = cluster.client({ endpoints: [endpoint] });
    await waitFor('n1 to catch up on its tmpfs', async () => {
      const st = await n1.status(endpoint).catch(() => undefined);
      return st && st.appliedIndex >= (await client.status()).commitIndex ? true : undefined;
    }, 30_000);
    await client.transferLeader('n1');
    await waitFor('n1 to lead', async () => ((await cluster!.waitForLeader()) === 'n1' ? true : undefined), 20_000);

    const child = victim.child!;
    const filler = fillDisk(victim.dataDir);
    const load = writeLoad(client);
    await waitFor('n1 to report out of space', async () => ((await n1.status(endpoint).catch(() => undefined))?.storage === 'out-of-space' ? true : undefined), 20_000);
    const leader = await waitFor('another member to lead', async () => {
      const id = await cluster!.waitForLeader();
      return id !== 'n1' ? id : undefined;
    }, 20_000);
    // The other two form a quorum: writes go on being acknowledged.
    const before = load.acked.size;
    await waitFor('writes acknowledged while n1 is out of space', () => (load.acked.size >= before + 50 ? true : undefined), 20_000);
    expect(child.exitCode).toBeNull();
    expect((await n1.status(endpoint)).storage).toBe('out-of-space');
    expect(await metric(victim.metricsPort!, 'fleet_storage_out_of_space')).toBe(1);
    const status = await runCli(['status', '--json', '--endpoints', cluster.endpoints.join(',')]);
    expect(status.code, status.stderr).toBe(7);
    const doc = JSON.parse(status.stdout) as { health: { state: string }; members: { id: string; storage: string; problem?: string }[] };
    expect(doc.health.state).toBe('degraded');
    expect(doc.members.find((m) => m.id === 'n1')).toMatchObject({ storage: 'out-of-space', problem: expect.stringMatching(/^out of space/) });

    // Space again: n1 resumes by itself and catches up.
    rmSync(filler);
    await waitFor('n1 to find space again', async () => ((await n1.status(endpoint).catch(() => undefined))?.storage === 'ok' ? true : undefined), 20_000);
    await load.stop();
    const commit = (await client.status(`127.0.0.1:${cluster.member(leader).port}`)).commitIndex;
    await waitFor('n1 to apply what the leader committed', async () => ((await n1.status(endpoint).catch(() => undefined))?.appliedIndex ?? 0) >= commit ? true : undefined, 30_000);
    expect(child.exitCode).toBeNull();
    expect(await metric(victim.metricsPort!, 'fleet_storage_out_of_space')).toBe(0);
    const output = victim.output();
    const fullAt = loggedAt(output, /^out of space: this member stops appending/);
    const freedAt = loggedAt(output, /^space freed: this member appends again/);
    expect(fullAt, output.slice(-3000)).toBeDefined();
    expect(freedAt! - fullAt!).toBeGreaterThan(0);
    expect(output).not.toMatch(/fatal storage error/);
    // Every acknowledged write, read from n1 itself.
    expect(load.acked.size).toBeGreaterThan(50);
    const missing: string[] = [];
    await Promise.all(
      [...load.acked.keys()].map(async (key) => {
        const got = await n1.kvGet(key, { consistency: { minIndex: commit } });
        if (got?.value !== 'v'.repeat(512)) missing.push(key);
      }),
    );
    expect(missing).toEqual([]);

    // Restarted on a disk that is full: one line saying what to do, exit 1, no stack trace.
    await cluster.kill('n1', 'SIGTERM');
    const filler2 = fillDisk(victim.dataDir, 'filler2');
    const restartedAt = Date.now();
    cluster.restart('n1');
    // 'close', not 'exit': the output is complete only once the pipes are.
    const again = await new Promise<number | null>((resolve) => victim.child!.once('close', (code) => resolve(code)));
    victim.child = undefined;
    const said = victim.output();
    expect(Date.now() - restartedAt).toBeLessThan(15_000);
    expect(again).toBe(1);
    expect(said).toContain(`StorageFullError: no space left on device writing ${join(victim.dataDir, 'raft', 'LOCK')}: free space on that file system and restart\n`);
    expect(said).not.toMatch(/^\s+at /m);

    // With space again it starts and serves.
    rmSync(filler2);
    cluster.restart('n1');
    await waitFor('n1 to rejoin once there is space', async () => {
      const got = await n1.kvGet('before', { consistency: { maxStalenessMs: 5_000 } }).catch(() => undefined);
      return got?.value === 'x' ? true : undefined;
    }, 30_000);
  }, 150_000);

  it('as the only voter: the CLI gets one line naming the member out of space (exit 1), and writes go through again once space is freed', async () => {
    cluster = await TestCluster.start({ size: 1 });
    const member = cluster.member('n1');
    await cluster.kill('n1', 'SIGTERM');
    disk = moveOntoTmpfs(member.dataDir, 16 << 20);
    cluster.restart('n1');
    await cluster.waitForLeader();
    const client = cluster.client();
    await client.kvPut('before', 'x');
    const filler = fillDisk(member.dataDir);
    // Writes until one no longer fits in the file's last page: that one waits in the log, unacknowledged (the client gives up on it), for space.
    const load = writeLoad(client);
    await waitFor('n1 to report out of space', async () => ((await client.status().catch(() => undefined))?.storage === 'out-of-space' ? true : undefined), 20_000);
    await load.stop();
    const endpoints = cluster.endpoints.join(',');
    const refused = await runCli(['kv', 'put', 'k', 'v', '--endpoints', endpoints]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`error: ${endpoints}: out of space on member n1: its disk is full and no caught-up voter can take over; writes resume once space is freed there\n`);

    rmSync(filler);
    await waitFor('writes to go through again', async () => ((await runCli(['kv', 'put', 'k', 'v', '--endpoints', endpoints])).code === 0 ? true : undefined), 20_000);
    expect(load.acked.size).toBeGreaterThan(0);
    for (const key of load.acked.keys()) expect((await client.kvGet(key))?.value).toBe('v'.repeat(512));
  }, 60_000);
});
