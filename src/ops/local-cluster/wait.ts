/** Waiting without bare sleeps: pauses that an abort (Ctrl-C) ends at once, and progress lines. */
import { CliError, EXIT } from '../../common/errors.js';

/** Reports what a long wait is waiting for; a command shows it as a spinner, or not at all. */
export interface Progress {
  update(text: string): void;
}

/** A progress sink that shows nothing (pipes, tests). */
export const SILENT_PROGRESS: Progress = { update: () => {} };

/** Waits `ms` unless aborted first; an abort throws the signal's reason. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error an aborted operation throws: the operator interrupted it. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CliError('interrupted', { exitCode: EXIT.error });
}
