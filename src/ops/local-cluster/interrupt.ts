/**
 * Ctrl-C during a long local-cluster operation: the first SIGINT aborts the operation (which
 * then stops what it started and leaves the manifest true), instead of killing the CLI
 * half-way. The detached members never see the terminal's SIGINT: they have their own
 * process group.
 */
import { CliError, EXIT } from '../../common/errors.js';

/** An abort signal tied to SIGINT; `dispose()` removes the handler. */
export interface Interrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** Listens for SIGINT until disposed. */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const handler = () => controller.abort(new CliError('interrupted (Ctrl-C)', { exitCode: EXIT.error }));
  process.once('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', handler) };
}
