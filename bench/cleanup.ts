/**
 * Whatever a benchmark starts (member processes, temp dirs) registers how to undo it here, so
 * that Ctrl-C or a crash of the harness still ends every process it started (by pid) and
 * removes its files. Undo steps must be synchronous: they run from a signal handler.
 */
import { readdirSync, readFileSync } from 'node:fs';

type Undo = () => void;

const pending = new Set<Undo>();
let installed = false;

/** Registers an undo step; the returned function unregisters it (call it after a normal clean-up). */
export function onAbort(undo: Undo): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Runs every registered undo step once; never throws. */
export function abortAll(): void {
  for (const undo of [...pending]) {
    pending.delete(undo);
    try {
      undo();
    } catch {
      // Best effort: one failed step must not keep the others from running.
    }
  }
}

/** Installs SIGINT/SIGTERM handlers that undo everything and exit (130 / 143). Idempotent. */
export function installAbortHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}: stopping the processes this run started`);
      abortAll();
      process.exit(code);
    });
  }
}

/** SIGKILLs a pid if it is still alive; ignores one that is already gone. */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** A progress line on stderr (the figures go to stdout), with the seconds since the run began. */
export function progress(message: string): void {
  console.error(`  [${(performance.now() / 1000).toFixed(0).padStart(4)}s] ${message}`);
}

/**
 * Pids of live processes whose command line mentions `dir`: members that a drill or `fleet
 * init` started on this run's temp dirs, which are not the harness's own children.
 */
export function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
}
