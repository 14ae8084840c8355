/**
 * Scheduled backups as real processes (issue 40): a member started with --backup-dir takes a
 * verified backup every period under writes, keeps exactly --backup-keep, says so in status and
 * /metrics, survives a backup directory it cannot use without losing the good ones, and its newest
 * backup restored into a new cluster holds every write acknowledged before that backup began.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetClient, MemberStatus } from '../../src/client/index.js';
import { FleetClient as Client } from '../../src/client/index.js';
import { listBackups } from '../../src/core/server/admin/backups.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const KEEP = 3;
const dir = tempDir('fleet-backups-e2e-');
const backups = join(dir.path, 'backups');
let cluster: TestCluster;
let client: FleetClient;

beforeAll(async () => {
  cluster = await TestCluster.start({ metrics: true, memberArgs: { n1: ['--backup-dir', backups, '--backup-every', '1s', '--backup-keep', String(KEEP)] } });
  client = cluster.client();
  await cluster.waitForLeader();
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  dir.cleanup();
});

const n1 = () => `127.0.0.1:${cluster.members[0]!.port}`;
const backupOf = async (): Promise<NonNullable<MemberStatus['backup']>> => (await client.status(n1())).backup!;

describe('scheduled backups', () => {
  it('are taken every period under writes, verified, and pruned to exactly --backup-keep', async () => {
    let written = 0;
    const writer = (async () => {
      while (written < 300) await client.kvPut(`under-load/${written}`, `v${written++}`);
    })();
    const taken = await waitFor('five backups taken while writes go on', async () => ((await backupOf()).taken >= 5 ? (await backupOf()).taken : undefined), 30_000);
    await writer;
    expect(taken).toBeGreaterThanOrEqual(5);
    // Between two backups (one runs every second: its .part and scratch member exist meanwhile, and
    // the new backup sits beside the old ones until the prune right after its rename).
    const listed = await waitFor('a moment between two backups', async () => {
      const l = await listBackups(backups);
      return l.partial.length === 0 && l.backups.length === KEEP ? l : undefined;
    }, 10_000, 20);
    const state = await backupOf();
    // An attempt before the first election fails (no leader to confirm the commit index); none since.
    expect(state).toMatchObject({ dir: backups, everyMs: 1000, keep: KEEP, lastError: null });
    expect(listed.backups.map((b) => b.name)).toContain(state.lastOk!.name);
  });

  it('fleet status shows them, and /metrics counts them', async () => {
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(','), '--json']);
    const row = (JSON.parse(r.stdout) as { members: { id: string; backup?: { dir: string } }[] }).members.find((m) => m.id === 'n1');
    expect(row?.backup?.dir).toBe(backups);
    const text = await runCli(['status', '--endpoints', cluster.endpoints.join(',')]);
    expect(text.stdout).toMatch(new RegExp(`backup: n1 every 1\\.0s into ${backups}, last .* at index \\d+, keeps ${KEEP}`));
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.members[0]!.metricsPort}/metrics`)).text();
    expect(Number(/^fleet_backups_total\{outcome="ok"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);
    expect(metrics).toMatch(/^fleet_backup_failing 0$/m);
    expect(metrics).toMatch(/^fleet_backup_interval_seconds 1$/m);
  });

  it('a backup directory it cannot use fails each backup, says why, and keeps the good ones', async () => {
    const aside = `${backups}.aside`;
    renameSync(backups, aside);
    writeFileSync(backups, 'not a directory');
    try {
      // A backup already running at the rename may fail first, on its vanished directory (ENOENT);
      // the ones after it must fail on the file in the directory's place.
      const failing = await waitFor('a backup failed on the file in its directory\'s place', async () => {
        const error = (await backupOf()).lastError;
        return error !== null && error !== undefined && /EEXIST|ENOTDIR/.test(error.message) ? error : undefined;
      }, 15_000);
      expect(failing.message).toMatch(/EEXIST|ENOTDIR/);
      const text = await runCli(['status', '--endpoints', cluster.endpoints.join(',')]);
      expect(text.stdout).toMatch(/backup: n1 every 1\.0s into .* failing since .*older backups kept/);
      const metrics = await (await fetch(`http://127.0.0.1:${cluster.members[0]!.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^fleet_backup_failing 1$/m);
      expect(Number(/^fleet_backups_total\{outcome="failed"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(backups);
      renameSync(aside, backups);
    }
    await waitFor('backups to succeed again', async () => ((await backupOf()).lastError === null ? true : undefined), 15_000);
    await waitFor(`exactly ${KEEP} backups again`, async () => ((await listBackups(backups)).backups.length === KEEP ? true : undefined), 10_000, 20);
  });

  it('the newest backup, restored into a new cluster, holds every write acknowledged before it began', async () => {
    const acked = new Map<string, string>();
    for (let i = 0; i < 100; i++) {
      await client.kvPut(`acked/${i}`, `value-${i}`);
      acked.set(`acked/${i}`, `value-${i}`);
    }
    const lastAck = Date.now();
    const newest = await waitFor('a backup begun after the last acknowledgement', async () => {
      const b = (await listBackups(backups)).backups[0];
      return b !== undefined && Date.parse(b.takenAt) > lastAck ? b : undefined;
    }, 15_000);
    const restored = join(dir.path, 'restored');
    const address = `127.0.0.1:${await freePort()}`;
    const restore = await runCli(['snapshot', 'restore', newest.path, '--data-dir', restored, '--id', 'r1', '--listen', address]);
    expect(restore.code, restore.stderr).toBe(0);
    const member = spawnCli(['node', 'start', '--id', 'r1', '--data-dir', restored, '--listen', address, '--peers', `r1=${address}`]);
    const reader = new Client({ endpoints: [address], callTimeoutMs: 2_000, overallTimeoutMs: 20_000 });
    try {
      await waitFor('the restored member to lead', async () => ((await reader.status(address).catch(() => undefined))?.role === 'leader' ? true : undefined), 30_000);
      for (const [key, value] of acked) expect((await reader.kvGet(key))?.value, key).toBe(value);
      expect((await reader.kvGet('under-load/299'))?.value).toBe('v299');
    } finally {
      reader.close();
      await stopChild(member.child);
    }
  });

  it('fleet backup: now, list, verify (a flipped byte fails, exit 1), prune', async () => {
    const by = join(dir.path, 'by-hand');
    const at = ['--endpoints', cluster.endpoints.join(',')];
    for (let i = 0; i < 3; i++) {
      const now = await runCli(['backup', 'now', '--dir', by, '--keep', '2', ...at]);
      expect(now.code, now.stderr).toBe(0);
      expect(now.stdout).toMatch(/^backed up index \d+ \(term \d+\), \d+ bytes, verified \(state [0-9a-f]{12}\), to .*fleet-.*\.snap/);
    }
    const list = JSON.parse((await runCli(['backup', 'list', by, '--json'])).stdout) as { backups: { path: string }[] };
    expect(list.backups).toHaveLength(2);
    expect((await runCli(['backup', 'verify', by])).stdout).toMatch(/^ok {6}.*index \d+ \(term \d+\), state [0-9a-f]{12}\n/);
    const damaged = list.backups[1]!.path;
    const bytes = readFileSync(damaged);
    bytes[bytes.length - 5]! ^= 0x10;
    writeFileSync(damaged, bytes);
    const verify = await runCli(['backup', 'verify', by, '--json']);
    expect(verify.code).toBe(1);
    const failure = JSON.parse(verify.stdout || verify.stderr) as { error: { code: string; details: { backups: { ok: boolean }[] } } };
    expect(failure.error.code).toBe('BACKUP_FAILED');
    expect(failure.error.details.backups.map((b) => b.ok)).toEqual([true, false]);
    const dry = await runCli(['backup', 'prune', by, '--keep', '1', '--dry-run']);
    expect(dry.stdout).toMatch(/^would remove 1: fleet-.*; kept 1/);
    expect((await listBackups(by)).backups).toHaveLength(2);
    expect((await runCli(['backup', 'prune', by, '--keep', '1'])).code).toBe(0);
    expect((await listBackups(by)).backups).toHaveLength(1);
    const missing = await runCli(['backup', 'list', join(dir.path, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist: no backup was taken there/);
  });
});
