// `npm run test:long`: the checks too long for `npm test`'s ten minutes, which CI runs after it
// (.ci/run). Two parts, each timed, then one summary line per part:
//   1. the `*.long.test.ts` files (vitest.long.config.ts): real etcd beside fleet, many processes;
//   2. simulator batches: real FleetNodes on simulated time, network and disks, with disk faults,
//      on 3 and 5 members, with the registry alone, with a second state machine (--app) and with
//      the etcd keyspace in the workload (--etcd: KV, Txn, leases and watches, and their checkers).
// Exit 0 when every part passed, else the first failing part's code (the simulator's 6 is a
// safety or liveness violation; its output names the command that replays the failing seed).
//
// FLEET_LONG_SEEDS=N scales every simulator batch to N seeds (for a quick try, or a deeper run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Simulator batches, sized to about eight minutes on two cores (a seed of 3 members took about
 * 0.8 s here, of 5 members with an application about 2.5 s). Deeper runs: FLEET_LONG_SEEDS.
 */
const SIM_BATCHES = [
  { nodes: 3, seeds: 200, app: false },
  { nodes: 5, seeds: 80, app: false },
  { nodes: 3, seeds: 100, app: true },
  { nodes: 5, seeds: 40, app: true },
  // About 1.5 seeds/s on 3 members and 0.5 on 5 here with two workers (a loaded machine).
  { nodes: 3, seeds: 100, etcd: true },
  { nodes: 5, seeds: 40, etcd: true },
];

function seedsFor(batch) {
  const override = Number(process.env.FLEET_LONG_SEEDS);
  return Number.isSafeInteger(override) && override > 0 ? override : batch.seeds;
}

function run(label, command, args, env = {}) {
  process.stdout.write(`\n▶ ${label}\n  ${[command, ...args].join(' ')}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = (Date.now() - started) / 1000;
  const code = result.status ?? 1;
  return { label, code, seconds };
}

/**
 * The failed tests in vitest's JSON report, a line each with the first line of its error, so that
 * the summary at the very end of a long CI log names them (the log's tail may be all it keeps).
 */
function failedTests(reportFile) {
  let report;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  } catch {
    return ['(no vitest report was written)'];
  }
  const lines = [];
  for (const file of report.testResults ?? []) {
    const name = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
    const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (failed.length === 0 && file.status === 'failed') lines.push(`${name}: ${firstLine(file.message)}`);
    for (const t of failed) lines.push(`${name} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  }
  return lines;
}

function firstLine(text) {
  return String(text ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}

const parts = [];
const reportDir = mkdtempSync(join(tmpdir(), 'fleet-long-'));
const reportFile = join(reportDir, 'vitest.json');
parts.push(run('system tools', process.execPath, ['scripts/system-tools.mjs']));
if (parts[0].code === 0) {
  // npm test builds beside its checks; run alone, this suite builds first (test/global-setup.ts).
  const vitest = run('long test files', npm, ['exec', '--', 'vitest', 'run', '--config', 'vitest.long.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`]);
  if (vitest.code !== 0) vitest.failures = failedTests(reportFile);
  parts.push(vitest);
  for (const batch of SIM_BATCHES) {
    const args = ['run', '-s', 'sim', '--', '--host', 'real', '--nodes', String(batch.nodes), '--seeds', String(seedsFor(batch)), '--disk-faults', '--workers', '2'];
    if (batch.app) args.push('--app');
    if (batch.etcd) args.push('--etcd');
    const what = batch.app ? ' with an app state machine' : batch.etcd ? ' with the etcd keyspace' : '';
    parts.push(run(`simulator: ${batch.nodes} members${what}, disk faults`, npm, args));
  }
}

process.stdout.write('\nlong checks:\n');
for (const part of parts) {
  process.stdout.write(`  ${part.code === 0 ? '✓' : '✗'} ${part.label} (${part.seconds.toFixed(0)} s)${part.code === 0 ? '' : `, exit ${part.code}`}\n`);
  for (const failure of part.failures ?? []) process.stdout.write(`      ✗ ${failure}\n`);
}
rmSync(reportDir, { recursive: true, force: true });
const failed = parts.find((p) => p.code !== 0);
process.exit(failed ? failed.code : 0);
