// The checks `npm test` runs before the tests — type-check, lint, import rules and the layer
// diagram drawn from them (scripts/layer-diagram.mjs), commit messages
// (scripts/commit-msg.mjs) — and the build the end-to-end tests run, all at once: each is a single-threaded process, and one after the
// other they left a core idle for about 100 s of every CI run. The API report of the library
// (etc/fleet.api.md) is checked against the declarations once the build has emitted them: a
// stale report fails in one line naming the command that updates it. Each one's output is
// printed whole when it ends, so interleaved lines never hide an error; the exit code is the
// first failure's. `npm test` then tells vitest the build is fresh (test/global-setup.ts).
import { spawn } from 'node:child_process';

const tasks = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['deps', 'npm', ['run', '-s', 'deps']],
  ['layer diagram', 'node', ['scripts/layer-diagram.mjs', '--check']],
  ['build', 'npm', ['run', '-s', 'build']],
  ['commit messages', 'node', ['scripts/commit-msg.mjs', '--history']],
];
/** Tasks that need another's output: each starts when the named one has passed. */
const after = { build: [['api report', 'npm', ['run', '-s', 'api:check']]] };

function run([name, cmd, args]) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? '✓' : '✗'} ${name} (${seconds} s)\n${code === 0 ? '' : out}`);
      resolve(code ?? 1);
    });
  });
}

async function runWithFollowers(task) {
  const code = await run(task);
  if (code !== 0) return code;
  for (const next of after[task[0]] ?? []) {
    const c = await run(next);
    if (c !== 0) return c;
  }
  return 0;
}

const codes = await Promise.all(tasks.map(runWithFollowers));
process.exitCode = codes.find((code) => code !== 0) ?? 0;
