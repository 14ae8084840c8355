/** A private tmux server for terminal tests: nothing of the user's tmux is touched, and `kill()` ends all it ran. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

const TMUX = '/usr/bin/tmux';

export interface PrivateTmux {
  /** Runs a tmux command against this server; returns its output. */
  run(...args: string[]): string;
  /** Ends the server and everything it ran, and removes its socket (kill-server leaves it). */
  kill(): void;
}

export function privateTmux(name: string): PrivateTmux {
  const socket = `fleet-${name}-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
  const run = (...args: string[]): string => execFileSync(TMUX, ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  return {
    run,
    kill: () => {
      try {
        const path = run('display-message', '-p', '#{socket_path}').trim();
        run('kill-server');
        rmSync(path, { force: true });
      } catch {
        // No server was started, or it is gone already.
      }
    },
  };
}

/** Quotes a word for the shell tmux runs a command with. */
export function sh(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
