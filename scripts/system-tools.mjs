// The system tools the tests run for real, and what `npm test` does when one is missing: on a
// Debian machine where it may (root, apt-get), it installs the Debian packages; anywhere else it
// stops, naming the packages and the command that installs them. It never lets a suite skip
// quietly: a test file that needs etcd and finds none would pass by running nothing.
//
//   node scripts/system-tools.mjs           install what is missing (or refuse), then check
//   node scripts/system-tools.mjs --check   check only (test/global-setup.ts runs this)
import { spawnSync } from 'node:child_process';

/** Each tool the tests run, the Debian package that ships it, and which tests need it. */
export const SYSTEM_TOOLS = [
  { command: 'etcd', pkg: 'etcd-server', why: 'the etcd engine tests and benchmarks run real etcd members' },
  { command: 'etcdctl', pkg: 'etcd-client', why: 'the etcd API is checked with a client nobody here wrote' },
  { command: 'chromium', pkg: 'chromium', why: 'the drill report is rendered in a real browser' },
  { command: 'promtool', pkg: 'prometheus', why: 'promtool checks the metrics and the alert rules' },
  { command: 'tmux', pkg: 'tmux', why: 'fleet top is driven in a real terminal' },
  { command: 'fish', pkg: 'fish', why: 'the fish completion script is checked by fish itself' },
];

/** The tools not found on PATH. */
export function missingTools(env = process.env) {
  return SYSTEM_TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t.command}`], { env, stdio: 'ignore' }).status !== 0);
}

function canInstall() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

function installCommand(packages) {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function refuse(missing) {
  const packages = [...new Set(missing.map((t) => t.pkg))];
  process.stderr.write(
    `✗ system tools missing: ${missing.map((t) => `${t.command} (${t.why})`).join('; ')}\n` +
      `  install them (as root): ${installCommand(packages)}\n` +
      '  the tests that use them are never skipped, so the suite does not run without them\n',
  );
  process.exit(1);
}

function install(missing) {
  const packages = [...new Set(missing.map((t) => t.pkg))];
  process.stdout.write(`installing system tools the tests use: ${packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) refuse(missing);
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const missing = missingTools();
  if (missing.length > 0) {
    if (process.argv.includes('--check') || !canInstall()) refuse(missing);
    install(missing);
    const still = missingTools();
    if (still.length > 0) refuse(still);
  }
}
