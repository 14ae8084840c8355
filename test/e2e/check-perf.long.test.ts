import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, killProcessesMentioning, runCli, tempDir } from './processes.js';

/**
 * `fleet check perf` against a real one-member local cluster: a verdict with its figures and
 * thresholds, the exit code the verdict documents, and no key left under __check_perf/.
 */

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  home = tempDir('fleet-check-perf-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const init = await runCli(['init', '--nodes', '1', '--base-port', String(await freePorts(1))], env, 90_000);
  expect(init.code, init.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  const destroy = await runCli(['destroy', '--yes'], env, 60_000);
  expect(destroy.code, destroy.stderr).toBe(0);
  const left = killProcessesMentioning(home.path);
  home.cleanup();
  expect(left, 'processes left running by the test').toEqual([]);
}, 90_000);

const EXIT_OF = { PASS: 0, WARN: 7, FAIL: 5 } as const;

interface Report {
  verdict: keyof typeof EXIT_OF;
  reasons: { figure: string; value: number; grade: string; message: string; threshold: { pass: number; warn: number } }[];
  fsync: { dir: string; samples: number; p50Ms: number; p99Ms: number };
  writes: { concurrency: number; samples: number; failed: number; throughput: number; p50Ms: number; p99Ms: number }[];
  cleanup: { deleted: number; left: number };
}

async function leftoverKeys(): Promise<unknown[]> {
  const r = await runCli(['kv', 'list', '--prefix', '__check_perf/', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { entries: unknown[] }).entries;
}

describe('fleet check perf', () => {
  it('measures, judges, exits by its verdict, and deletes every key it wrote (and older leftovers)', async () => {
    const put = await runCli(['kv', 'put', '__check_perf/killed-run/k1', 'left by a killed run'], env);
    expect(put.code, put.stderr).toBe(0);
    const r = await runCli(['check', 'perf', '--duration', '3s', '--json'], env, 90_000);
    const report = JSON.parse(r.stdout) as Report;
    expect(r.code, r.stderr).toBe(EXIT_OF[report.verdict]);
    expect(report.fsync.dir).toBe(join(home.path, 'data', 'fleet', 'clusters', 'local'));
    expect(report.fsync.samples).toBeGreaterThan(0);
    expect(report.fsync.p50Ms).toBeGreaterThan(0);
    expect(report.writes.map((w) => w.concurrency)).toEqual([1, 8, 32]);
    for (const w of report.writes) {
      expect(w.samples).toBeGreaterThan(0);
      expect(w.failed).toBe(0);
      expect(w.throughput).toBeGreaterThan(0);
      expect(w.p99Ms).toBeGreaterThanOrEqual(w.p50Ms);
    }
    expect(report.reasons.map((x) => x.figure)).toEqual(['fsync p99', 'fsync p50', 'write p99 at concurrency 8', 'throughput at concurrency 32', 'failed writes']);
    const worst = report.reasons.some((x) => x.grade === 'fail') ? 'FAIL' : report.reasons.some((x) => x.grade === 'warn') ? 'WARN' : 'PASS';
    expect(report.verdict).toBe(worst);
    expect(report.cleanup.left).toBe(0);
    expect(report.cleanup.deleted).toBeGreaterThan(41);
    expect(await leftoverKeys()).toEqual([]);
  }, 180_000);

  it('prints the verdict and a reason per figure, with its threshold', async () => {
    const r = await runCli(['check', 'perf', '--duration', '3s'], { ...env, NO_COLOR: '1' }, 90_000);
    expect([0, 5, 7]).toContain(r.code);
    const verdict = ({ 0: 'PASS', 7: 'WARN', 5: 'FAIL' } as Record<number, string>)[r.code]!;
    expect(r.stdout).toMatch(new RegExp(`^${verdict}$`, 'm'));
    expect(r.stdout).toMatch(/^fsync .*: \d+ samples, p50 [\d.]+ ms, p99 [\d.]+ ms/m);
    expect(r.stdout).toMatch(/^ +32 +\d+ +0 +\d+ /m);
    expect(r.stdout).toMatch(/fsync p99 [\d.]+ ms (<|≥) (10|50) ms/);
    expect(r.stdout).toMatch(/write p99 at concurrency 8 [\d.]+ ms (<|≥) (50|500) ms/);
    expect(r.stdout).toMatch(/throughput at concurrency 32 \d+ writes\/s (<|≥) (150|50) writes\/s/);
    expect(r.stdout).toContain('; none left.');
    expect(await leftoverKeys()).toEqual([]);
  }, 180_000);

  it('says in one line that an unreachable cluster cannot be checked, with exit 3', async () => {
    const r = await runCli(['check', 'perf', '--duration', '3s', '--endpoints', '127.0.0.1:1', '--timeout', '1s'], env, 60_000);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/reachable/);
    expect(r.stdout).toBe('');
  }, 60_000);
});
