import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestMember } from '../../../src/ops/local-cluster/manifest.js';
import { isMemberProcess } from '../../../src/ops/local-cluster/pids.js';
import { shutdownWaves, stopMembers, type RunningMember } from '../../../src/ops/local-cluster/shutdown.js';
import { reap, ready, spawnFakeMember } from './fake-member.js';

const children: ChildProcess[] = [];
let dir: string | undefined;

afterEach(async () => {
  const started = children.splice(0);
  await Promise.all(started.map(reap));
  for (const c of started) expect(c.exitCode !== null || c.signalCode !== null).toBe(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function member(id: string, root: string): ManifestMember {
  return { id, port: 1, dataDir: join(root, id), state: 'voter' };
}

async function startFakes(ids: string[], opts: { record?: string; stubborn?: string[] } = {}): Promise<RunningMember[]> {
  dir ??= mkdtempSync(join(tmpdir(), 'fleet-stop-'));
  const out: RunningMember[] = [];
  for (const id of ids) {
    const m = member(id, dir);
    const child = spawnFakeMember(id, m.dataDir, { recordFile: opts.record, ignoreTerm: opts.stubborn?.includes(id) });
    children.push(child);
    await ready(child);
    out.push({ member: m, pid: child.pid! });
  }
  return out;
}

describe('shutdown order', () => {
  it('puts every follower in the first wave and the leader alone in the last', () => {
    const r = (id: string) => ({ member: { id } });
    expect(shutdownWaves([r('n1'), r('n2'), r('n3')], 'n2').map((w) => w.map((x) => x.member.id))).toEqual([['n1', 'n3'], ['n2']]);
    expect(shutdownWaves([r('n1'), r('n2')], undefined).map((w) => w.map((x) => x.member.id))).toEqual([['n1', 'n2']]);
    // The leader is not among the running members: one wave.
    expect(shutdownWaves([r('n1'), r('n3')], 'n2').map((w) => w.map((x) => x.member.id))).toEqual([['n1', 'n3']]);
    expect(shutdownWaves([r('n2')], 'n2').map((w) => w.map((x) => x.member.id))).toEqual([['n2']]);
  });

  it('stops the followers before it signals the leader', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-stop-'));
    const record = join(dir, 'terms.txt');
    const running = await startFakes(['n1', 'n2', 'n3'], { record });
    const report = await stopMembers(running, 'n1', { timeoutMs: 10_000 });
    expect(report.killed).toEqual([]);
    expect(report.stopped.sort()).toEqual(['n1', 'n2', 'n3']);
    const order = readFileSync(record, 'utf8').trim().split('\n');
    expect(order.slice(0, 2).sort()).toEqual(['n2', 'n3']);
    expect(order[2]).toBe('n1');
    for (const r of running) expect(isMemberProcess(r.pid, r.member)).toBe(false);
  });

  it('sends SIGKILL to what has not exited by the deadline, leader included', async () => {
    const running = await startFakes(['n1', 'n2'], { stubborn: ['n2'] });
    const t0 = Date.now();
    const report = await stopMembers(running, 'n1', { timeoutMs: 500 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    // n2 (a follower) ignored SIGTERM past the deadline; the leader's wave never began, so it is killed too.
    expect(report.stopped).toEqual([]);
    expect(report.killed.sort()).toEqual(['n1', 'n2']);
    for (const r of running) expect(isMemberProcess(r.pid, r.member)).toBe(false);
  });
});

describe('a follower that lingers', () => {
  it('does not hold the leader back beyond the grace period', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-stop-'));
    const record = join(dir, 'terms.txt');
    // n2 ignores SIGTERM (as a follower waiting on the leader's stream would linger); n1 leads.
    const running = await startFakes(['n1', 'n2'], { record, stubborn: ['n2'] });
    const t0 = Date.now();
    const report = await stopMembers(running, 'n1', { timeoutMs: 1_500, waveGraceMs: 200 });
    // The leader got its SIGTERM after the grace, well before the deadline, and exited on it.
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['n1']);
    expect(report.stopped).toEqual(['n1']);
    expect(report.killed).toEqual(['n2']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
  });
});
