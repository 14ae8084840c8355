/**
 * A member whose disk fills up, as real processes: one member's data dir is a small tmpfs that
 * the test fills while the cluster takes writes. Mounting needs root; skipped with the reason otherwise.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillDisk, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from '../core/storage/fixtures/tmpfs.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster | undefined;
let disk: Tmpfs | undefined;
afterEach(async () => {
  if (cluster) for (const m of cluster.members) await cluster.kill(m.id);
  disk?.unmount();
  disk = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

/** Resolves true once nothing accepts connections on the port. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

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

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`a member whose disk fills${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ''}`, () => {
  it('exits at once with status 1 and frees its port; restarted on the full disk it fails with one line; with space it rejoins', async () => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    await client.kvPut('before', 'x');
    // Move n1's data dir onto a 16 MiB tmpfs mounted in its place.
    const victim = cluster.member('n1');
    await cluster.kill('n1', 'SIGTERM');
    const saved = mkdtempSync(join(tmpdir(), 'fleet-disk-full-'));
    try {
      cpSync(victim.dataDir, saved, { recursive: true });
      rmSync(victim.dataDir, { recursive: true, force: true });
      disk = mountTmpfs(16 << 20, victim.dataDir);
      cpSync(saved, victim.dataDir, { recursive: true });
    } finally {
      rmSync(saved, { recursive: true, force: true });
    }
    cluster.restart('n1');
    const endpoint = `127.0.0.1:${victim.port}`;
    await waitFor('n1 to catch up on its tmpfs', async () => {
      const st = await client.status(endpoint).catch(() => undefined);
      return st && st.appliedIndex >= (await client.status()).commitIndex ? true : undefined;
    }, 30_000);
    // As the leader it would also have leadership to hand off: it must not wait for that either.
    await client.transferLeader('n1');
    await waitFor('n1 to lead', async () => ((await cluster!.waitForLeader()) === 'n1' ? true : undefined), 20_000);

    const child = victim.child!;
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
    const filler = fillDisk(victim.dataDir);
    const filledAt = Date.now();
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) await client.kvPut(`k${i}`, 'v'.repeat(512)).catch(() => undefined);
    })();
    const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
    running = false;
    await load;
    const output = victim.output();
    expect(exit, `n1 did not exit within 20 s of its disk filling up\n${output.slice(-3000)}`).toBeDefined();
    expect(exit!.code).toBe(1);
    const fatalAt = loggedAt(output, /fatal storage error/);
    expect(fatalAt, output.slice(-3000)).toBeDefined();
    // Bounded: the shutdown has a short deadline and never waits on the disk that failed.
    expect(exit!.at - fatalAt!).toBeLessThan(5_000);
    expect(exit!.at - filledAt).toBeLessThan(15_000);
    expect(await refused(victim.port)).toBe(true);
    // The other two carry on.
    expect((await client.kvPut('after', 'y')).index).toBeGreaterThan(0);

    // Restarted on the disk that is still full (whatever its exit freed, the other writer takes):
    // one line saying what to do, exit 1, no stack trace.
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

    // With space again it recovers and catches up.
    rmSync(filler);
    rmSync(filler2);
    cluster.restart('n1');
    const probe = cluster.client({ endpoints: [endpoint] });
    await waitFor('n1 to rejoin once there is space', async () => {
      const got = await probe.kvGet('after', { consistency: { maxStalenessMs: 5_000 } }).catch(() => undefined);
      return got?.value === 'y' ? true : undefined;
    }, 30_000);
  }, 150_000);
});
