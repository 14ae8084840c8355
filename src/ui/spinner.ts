/**
 * The progress indicator of the local-cluster commands: a one-line spinner on a terminal, and
 * nothing at all on a pipe or a file (so scripts and logs get only the results).
 */
import type { Progress } from '../ops/local-cluster/wait.js';

/** A progress sink that can be put away: `stop()` erases the spinner line. */
export interface StoppableProgress extends Progress {
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner on `stream` when it is a terminal (and not TERM=dumb); otherwise a silent sink. */
export function terminalProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): StoppableProgress {
  if (!stream.isTTY || env.TERM === 'dumb') return { update: () => {}, stop: () => {} };
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const width = Math.max(10, (stream.columns || 80) - 3);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text.slice(0, width)}`);
  };
  return {
    update(next: string) {
      text = next;
      if (timer === undefined) {
        // Unref'd: a forgotten spinner must never keep the process alive.
        timer = setInterval(draw, 80);
        timer.unref();
      }
      draw();
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\x1b[2K');
    },
  };
}
