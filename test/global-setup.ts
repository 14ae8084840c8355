import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testPortsFromEnv } from './e2e/test-ports.js';

/**
 * End-to-end tests drive the CLI as users run it: `bin/run.js` over what `npm run build` makes
 * (tsc, then scripts/postbuild.ts: the precompiled protocol, the oclif manifest, the bundles).
 * A bare tsc would leave the manifest and the bundles older than dist/, which bin/run.js then
 * ignores: every CLI call in the tests would discover the commands and load them module by
 * module, slower than an installed fleet. Building once here keeps the build always current.
 */
export default function setup(): void {
  // The suites that run etcd, chromium, promtool, tmux and fish never skip: without them, stop here.
  execFileSync(process.execPath, ['scripts/system-tools.mjs', '--check'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
  // A bad FLEET_TEST_PORTS stops the run here, once, rather than in every file that starts a member.
  const ports = testPortsFromEnv();
  if (ports.clipped) console.warn(ports.clipped);
  // `npm test` built it a moment ago, beside the type-check and lint (scripts/checks.mjs).
  if (process.env.FLEET_TEST_BUILT === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/postbuild.ts'], { cwd: root, stdio: 'inherit' });
}
