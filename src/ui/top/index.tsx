/**
 * Entry points of the dashboard for `fleet top`: one frame as text (`--once`, a pipe) or the
 * live app. Loaded lazily by the command, so ink and react cost nothing to other commands.
 */
import { render, renderToString } from 'ink';
import type { TopState } from '../../ops/top/model.js';
import type { TopHandle } from '../../ops/top/view-model.js';
import { TopApp } from './app.js';
import { TopScreen } from './screen.js';
import { INITIAL_UI } from './ui-state.js';

/** One frame as text, every panel at its natural height, without trailing spaces. */
export function renderTopFrame(state: TopState, opts: { readonly columns: number; readonly color: boolean }): string {
  const text = renderToString(<TopScreen state={state} ui={INITIAL_UI} size={{ columns: opts.columns, rows: null }} color={opts.color} once />, { columns: opts.columns });
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Streams the app runs on (the process's by default). */
export interface TopAppStreams {
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** Ends the app as if the operator had quit (e.g. on SIGTERM). */
  readonly signal?: AbortSignal;
}

/** Runs the live dashboard until the operator quits. */
export async function runTopApp(handle: TopHandle, opts: { readonly color: boolean } & TopAppStreams): Promise<void> {
  const app = render(<TopApp handle={handle} color={opts.color} />, {
    ...(opts.stdout === undefined ? {} : { stdout: opts.stdout }),
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    // Ctrl-C is a key like q: the command cleans up (alternate screen, clients) on the way out.
    exitOnCtrlC: false,
  });
  const unmount = () => app.unmount();
  opts.signal?.addEventListener('abort', unmount, { once: true });
  try {
    await app.waitUntilExit();
  } finally {
    opts.signal?.removeEventListener('abort', unmount);
  }
}

export { TopApp, type TopAppProps } from './app.js';
export { TopScreen, type TopScreenProps } from './screen.js';
export { INITIAL_UI, type UiState } from './ui-state.js';
