import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLinearizable, parseJsonLines } from '../../src/ops/history/index.js';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { tempDir } from './processes.js';

/**
 * `fleet drill` against real 3-member clusters, driven as an operator runs it: the built CLI,
 * the members' pids given with --pids, short timings. Every member process the drill started
 * again is killed afterwards, and none may be left.
 */
let current: DrillCluster | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('fleet drill kill-leader', () => {
  it('passes on a healthy cluster: a new leader, nothing lost, the history linearizable', async () => {
    current = await drillCluster();
    const files = tempDir('fleet-drill-history-');
    const historyFile = join(files.path, 'history.jsonl');
    const { code, report, stderr } = await current.drill('kill-leader', [...current.target(), ...fast({ '--rounds': '2', '--history': historyFile })]);
    // The history stands on its own: an independent checker reads it and agrees.
    const history = parseJsonLines(readFileSync(historyFile, 'utf8'));
    files.cleanup();
    expect(history).toHaveLength(report.historyEvents);
    expect(checkLinearizable(history).ok).toBe(true);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    expect(report.rounds).toHaveLength(2);
    for (const r of report.rounds) {
      expect(r.killed).toBe(r.oldLeader);
      expect(r.newLeader).not.toBeNull();
      expect(r.newLeader).not.toBe(r.oldLeader);
      expect(r.newLeaderMs).toBeGreaterThan(0);
      expect(r.catchupMs).not.toBeNull();
      expect(r.acknowledged).toBeGreaterThan(0);
      expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    }
    expect(report.linearizable).toBe(true);
    expect(report.summary.newLeaderMs.median).not.toBeNull();
  }, 240_000);

  it('catches a member that acknowledges writes before they commit (exit 6)', async () => {
    current = await drillCluster({ extraArgs: ['--unsafe-ack-before-commit'] });
    const { code, report } = await current.drill('kill-leader', [...current.target(), ...fast({ '--rounds': '3' })]);
    expect(report.verdict).toBe('unsafe');
    expect(code).toBe(6);
    expect(report.linearizable).toBe(false);
    expect(report.rounds.some((r) => r.lost > 0)).toBe(true);
    const lost = report.violations.find((v) => v.kind === 'lost');
    expect(lost?.counterexample.length).toBeGreaterThan(0);
  }, 240_000);

  it('aborts before injecting anything when the steady state does not hold (exit 5)', async () => {
    current = await drillCluster();
    const target = current.target();
    await current.cluster.kill('n3');
    // --force: past the safety gate (which refuses a fault that would cost the quorum, exit 4), to the drill's own check.
    const { code, report } = await current.drill('kill-leader', [...target, '--force', ...fast({ '--settle': '1s' })]);
    expect(code).toBe(5);
    expect(report).toMatchObject({ verdict: 'aborted', rounds: [], aborted: { round: 1, check: 'reachable' } });
    // Nothing was killed: both survivors still run under the pids the drill was given.
    expect(current.cluster.members.filter((m) => m.child?.exitCode === null).map((m) => m.id)).toEqual(['n1', 'n2']);
  }, 120_000);
});

describe('fleet drill kill-follower', () => {
  it("stops when a restarted member cannot start, naming why (its metrics port taken meanwhile), and does not wait out a catch-up", async () => {
    current = await drillCluster({ metrics: true });
    // A follower now (a fixed id was sometimes the leader by the time the drill began, and the drill refused it as a target).
    const leader = await current.cluster.waitForLeader();
    const follower = current.cluster.members.find((m) => m.id !== leader)!;
    // Once the drill has killed the follower, take its metrics port, as the short-lived connection in issue 37 did.
    const thief = createServer();
    let stolen = false;
    const grab = setInterval(() => {
      if (stolen) return;
      thief.once('error', () => undefined);
      thief.listen(follower.metricsPort!, '127.0.0.1', () => {
        stolen = true;
        // Given back once the round's restart (--settle, 8 s of attempts after the 3 s observation) has failed: the drill's clean-up then brings the member back.
        setTimeout(() => thief.close(), 14_000).unref();
      });
    }, 20);
    try {
      const files = tempDir('fleet-drill-logs-');
      const history = join(files.path, 'history.jsonl');
      const { code, report, stderr } = await current.drill('kill-follower', [...current.target(), ...fast({ '--target': follower.id, '--settle': '8s', '--history': history })]);
      expect(stolen).toBe(true);
      expect(code, stderr).toBe(5);
      expect(report.reason, report.reason).toMatch(new RegExp(`${follower.id}.*cannot listen on 127\\.0\\.0\\.1:${follower.metricsPort} \\(metrics\\)`));
      expect(report.reason).not.toMatch(/did not catch up/);
      // The members' logs are kept beside the history: the failed start's own words among them.
      expect(stderr).toContain(`members' logs kept in ${history}.logs/`);
      const kept = join(`${history}.logs`, follower.id);
      const words = readdirSync(kept).map((f) => readFileSync(join(kept, f), 'utf8')).join('\n');
      expect(words).toMatch(new RegExp(`127\\.0\\.0\\.1:${follower.metricsPort}`));
      for (const m of current.cluster.members) expect(readdirSync(join(`${history}.logs`, m.id)).length).toBeGreaterThan(0);
      files.cleanup();
    } finally {
      clearInterval(grab);
      thief.close();
    }
  }, 180_000);

  it('keeps the leader and writes available while a follower is down', async () => {
    current = await drillCluster();
    const { code, report, stderr } = await current.drill('kill-follower', [...current.target(), ...fast({ '--rounds': '1' })]);
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    const [r] = report.rounds;
    expect(r!.killed).not.toBe(r!.oldLeader);
    expect(r!.checks.find((c) => c.name === 'leader-kept')).toMatchObject({ ok: true });
    expect(r).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
  }, 180_000);
});
