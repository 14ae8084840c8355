import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testPortsFromEnv } from './e2e/test-ports.js';
import { closeRunDir, makeRunDir, removeStaleRunDirs } from './temp-dirs.js';

/**
 * End-to-end tests drive the CLI as users run it: `bin/run.js` over what `npm run build` makes
 * (tsc, then scripts/postbuild.ts: the precompiled protocol, the oclif manifest, the bundles).
 * A bare tsc would leave the manifest and the bundles older than dist/, which bin/run.js then
 * ignores: every CLI call in the tests would discover the commands and load them module by
 * module, slower than an installed fleet. Building once here keeps the build always current.
 *
 * The run gets its own TMPDIR (test/temp-dirs.ts), and the teardown this returns fails the run
 * naming any temp entry a test left there.
 */
export default function setup(): () => void {
  // The suites that run etcd, chromium, promtool, tmux, fish, Patroni and the Python etcd clients never skip: without them, stop here.
  execFileSync(process.execPath, ['scripts/system-tools.mjs', '--check'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
  // A bad FLEET_TEST_PORTS stops the run here, once, rather than in every file that starts a member.
  const ports = testPortsFromEnv();
  if (ports.clipped) console.warn(ports.clipped);
  // `npm test` built it a moment ago, beside the type-check and lint (scripts/checks.mjs).
  if (process.env.FLEET_TEST_BUILT !== '1') build();
  return isolateTmp();
}

function build(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/postbuild.ts'], { cwd: root, stdio: 'inherit' });
}

/**
 * Points TMPDIR at a dir of this run's own, which every worker and every process a test starts
 * inherits (vitest forks its workers after the global setup, with this process's environment).
 * Leftovers are then this run's alone, whatever else shares the machine's /tmp (another run, in
 * another checkout), and the teardown can name them. vitest 4 only logs an error a teardown
 * throws ("error during close", exit code unchanged), so it prints and sets the exit code itself.
 */
function isolateTmp(): () => void {
  removeStaleRunDirs();
  const outer = process.env.TMPDIR;
  const dir = makeRunDir();
  process.env.TMPDIR = dir;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    const left = closeRunDir(dir);
    if (!left) return;
    console.error(`\nFAIL ${left.message}`);
    process.exitCode = 1;
  };
}
