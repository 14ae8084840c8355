/**
 * Issue 59: a member never stalls. Three real members with etcd's default timing (heartbeat
 * 100 ms, election timeout 1 s) under etcd's own acceptance load, `etcdctl check perf --load m`
 * (200 clients writing for a minute), beside two CPU burners (`node -e` busy loops, one per core
 * of the 2-core machine the issue measured). Before the applies and images were sliced and the
 * peer conversation left gRPC, this load cost the cluster one or two elections and hundreds of
 * "leader changed" and "request timed out" answers (BENCHMARKS.md, sessions 38 and 39).
 *
 * The test asks what the issue asks: the cluster keeps its term and answers every request.
 * etcdctl's own verdict on throughput and the slowest request is the bench's (the stalls area),
 * not a test's: it judges how fast, and this machine's speed is not a property of the code.
 *
 * It is tried up to three times. Until session 53 the members lost their leader, or a follower
 * its leader for a moment ("no leader"), in one run in five to nine on the 2-core machine
 * (BENCHMARKS.md: sessions 51 and 52). With glibc's mmap threshold at 80 KiB instead of 4 KiB
 * (member-process.ts: every munmap flushed the TLB of both CPUs) it passed 12 runs of 12 without
 * a retry. The retries stay until many more runs agree; what they keep is the test's use as a
 * guard: a change that makes it fail in most runs still fails here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { parseCheckPerf } from '../../bench/check-perf-report.js';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';

const etcd = requireEtcd();
let fleet: TestCluster | undefined;
const burners: ChildProcess[] = [];

/** Every member's raft term, by etcdctl's `endpoint status` (each asked on its own). */
async function terms(): Promise<number[]> {
  const r = await runEtcdctl(etcd.etcdctl, [`--endpoints=${fleet!.endpoints.join(',')}`, 'endpoint', 'status', '--write-out=json']);
  expect(r.code, r.out).toBe(0);
  const rows = JSON.parse(r.out) as { Status: { raft_term: number } }[];
  expect(rows).toHaveLength(3);
  return rows.map((row) => row.Status.raft_term);
}

function stopBurners(): void {
  for (const b of burners.splice(0)) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL');
}

describe('etcdctl check perf --load m beside two CPU burners (issue 59)', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 3, heartbeat: '100ms', electionTimeout: '1000ms' });
  }, 120_000);

  afterAll(async () => {
    stopBurners();
    await fleet?.destroy();
  });

  it('keeps its term and answers every request', { retry: 2, timeout: 240_000 }, async () => {
    // A failure here is a member's story (a held loop, a closed connection): its own lines tell it.
    onTestFailed(() => console.error(fleet?.logs(/"level":(40|50|60)|leader changed|no leader|elected/)));
    // check perf refuses to start over keys an earlier attempt left (it deletes them at its end).
    const cleared = await runEtcdctl(etcd.etcdctl, [`--endpoints=${fleet!.endpoints.join(',')}`, 'del', '--prefix', '/etcdctl-check-perf/'], 60_000);
    expect(cleared.code, cleared.out).toBe(0);
    const before = await terms();
    expect(new Set(before).size, `members disagree on the term before the load: ${before.join(', ')}`).toBe(1);
    for (let i = 0; i < 2; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    let run: { code: number; out: string };
    try {
      // check perf --load m writes for 60 s, then deletes its keys.
      run = await runEtcdctl(etcd.etcdctl, [`--endpoints=${fleet!.endpoints.join(',')}`, 'check', 'perf', '--load=m'], 150_000);
    } finally {
      stopBurners();
    }
    const report = parseCheckPerf(run.out, run.code);
    // It ran to its report: a throughput and a slowest request were printed.
    expect(report.writesPerSecond, run.out).toBeGreaterThan(0);
    expect(report.slowestMs, run.out).toBeGreaterThan(0);
    expect(report.errors, `requests failed:\n${run.out}`).toBe(0);
    expect(run.out).not.toMatch(/leader changed|no leader|timed out/i);
    expect(await terms(), 'an election during the load').toEqual(before);
  });
});
