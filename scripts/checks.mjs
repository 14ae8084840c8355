// The checks `npm test` runs before the tests — type-check, lint, import rules — and the build
// the end-to-end tests run, all at once: each is a single-threaded process, and one after the
// other they left a core idle for about 100 s of every CI run. Each one's output is printed
// whole when it ends, so interleaved lines never hide an error; the exit code is the first
// failure's. `npm test` then tells vitest the build is fresh (test/global-setup.ts).
import { spawn } from 'node:child_process';

const tasks = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['deps', 'npm', ['run', '-s', 'deps']],
  ['build', 'npm', ['run', '-s', 'build']],
];

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

const codes = await Promise.all(tasks.map(run));
process.exitCode = codes.find((code) => code !== 0) ?? 0;
