// The system tools the tests run for real, and what `npm test` does when one is missing: on a
// Debian machine where it may (root, apt-get), it installs the Debian packages; anywhere else it
// stops, naming the packages and the command that installs them. It never lets a suite skip
// quietly: a test file that needs etcd and finds none would pass by running nothing.
//
//   node scripts/system-tools.mjs           install what is missing (or refuse), then check
//   node scripts/system-tools.mjs --check   check only (test/global-setup.ts runs this)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's own interpreter, where its python3-* packages are (a python3 earlier on PATH may be another). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Each tool the tests run, the Debian package that ships it, and which tests need it. How it is
 * found: `command`, a program on PATH; `file`, an executable at a path whose one `*` may stand for
 * a directory (a version: /usr/lib/postgresql/15/…); `python`, a module DEBIAN_PYTHON imports.
 */
export const SYSTEM_TOOLS = [
  { command: 'etcd', pkg: 'etcd-server', why: 'the etcd engine tests and benchmarks run real etcd members' },
  { command: 'etcdctl', pkg: 'etcd-client', why: 'the etcd API is checked with a client nobody here wrote' },
  { command: 'chromium', pkg: 'chromium', why: 'the drill report is rendered in a real browser' },
  { command: 'promtool', pkg: 'prometheus', why: 'promtool checks the metrics and the alert rules' },
  { command: 'tmux', pkg: 'tmux', why: 'fleet top is driven in a real terminal' },
  { command: 'fish', pkg: 'fish', why: 'the fish completion script is checked by fish itself' },
  { command: 'patroni', pkg: 'patroni', why: 'Patroni fails PostgreSQL over with etcd and with fleet as its DCS' },
  { file: '/usr/lib/postgresql/*/bin/postgres', pkg: 'postgresql', why: 'Patroni runs two PostgreSQL instances' },
  { python: 'etcd3gw', pkg: 'python3-etcd3gw', why: "OpenStack's client of etcd's JSON gateway runs against etcd and fleet" },
  { python: 'etcd3', pkg: 'python3-etcd3', why: "a Python gRPC client of etcd runs over TLS with a user and password" },
];

/** What a tool is called in messages. */
export function toolName(tool) {
  return tool.command ?? tool.file ?? `python3 module ${tool.python}`;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether some path matching `pattern` (at most one `*`, standing for one directory name) is executable. */
function fileExists(pattern) {
  const star = pattern.indexOf('*');
  if (star < 0) return executable(pattern);
  const parent = pattern.slice(0, star);
  const rest = pattern.slice(star + 1);
  try {
    return readdirSync(parent).some((name) => executable(join(parent, name) + rest));
  } catch {
    return false;
  }
}

/** Whether `tool` is installed, looking up commands on the PATH of `env`. */
function present(tool, env) {
  if (tool.command !== undefined) return spawnSync('sh', ['-c', `command -v ${tool.command}`], { env, stdio: 'ignore' }).status === 0;
  if (tool.file !== undefined) return fileExists(tool.file);
  return spawnSync(DEBIAN_PYTHON, ['-c', `import ${tool.python}`], { env, stdio: 'ignore' }).status === 0;
}

/** The tools of `tools` that are not installed. */
export function missingTools(env = process.env, tools = SYSTEM_TOOLS) {
  return tools.filter((t) => !present(t, env));
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
    `✗ system tools missing: ${missing.map((t) => `${toolName(t)} (${t.why})`).join('; ')}\n` +
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
