import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A process whose command line looks like a member's (`… node start --id ID --data-dir DIR`)
 * but that only waits: on SIGTERM it appends `ID` to `recordFile` (if given) and exits, unless
 * told to ignore SIGTERM. Lets the pid and shutdown logic be tested without a coordinator.
 */
export function spawnFakeMember(id: string, dataDir: string, opts: { recordFile?: string; ignoreTerm?: boolean } = {}): ChildProcess {
  const script = `
    const fs = require('node:fs');
    process.on('SIGTERM', () => {
      if (${JSON.stringify(opts.ignoreTerm ?? false)}) return;
      if (${JSON.stringify(opts.recordFile ?? '')}) fs.appendFileSync(${JSON.stringify(opts.recordFile ?? '')}, ${JSON.stringify(id)} + '\\n');
      process.exit(0);
    });
    setInterval(() => {}, 1000);
    process.send?.('ready');
  `;
  return spawn(process.execPath, ['-e', script, 'node', 'start', '--id', id, '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

/** Resolves once the fake member has installed its SIGTERM handler. */
export function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`fake member exited early (${code})`)));
  });
}

/** Ends a child if it is still running and waits until it is gone. */
export async function reap(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}
