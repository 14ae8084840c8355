/**
 * Entry points of the dashboard for `fleet top`: one frame as text (`--once`, a pipe) or the
 * live app. Loaded lazily by the command, so ink and react cost nothing to other commands.
 */
import { render, renderToString } from 'ink';
import type { ReactElement } from 'react';
import type { ContextsTopState } from '../../ops/top/contexts.js';
import type { ContextsTopHandle } from '../../ops/top/contexts-view-model.js';
import type { TopState } from '../../ops/top/model.js';
import type { TopHandle } from '../../ops/top/view-model.js';
import { TopApp } from './app.js';
import { ContextsApp } from './contexts-app.js';
import { ContextsScreen } from './contexts-screen.js';
import { TopScreen } from './screen.js';
import { INITIAL_UI } from './ui-state.js';

/** One frame as text, every panel at its natural height, without trailing spaces. */
export function renderTopFrame(state: TopState, opts: { readonly columns: number; readonly color: boolean }): string {
  const text = renderToString(<TopScreen state={state} ui={INITIAL_UI} size={{ columns: opts.columns, rows: null }} color={opts.color} once />, { columns: opts.columns });
  return trimLines(text);
}

/** Streams the app runs on (the process's by default). */
export interface TopAppStreams {
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** Ends the app as if the operator had quit (e.g. on SIGTERM). */
  readonly signal?: AbortSignal;
}

/** Runs the live dashboard until the operator quits. */
export function runTopApp(handle: TopHandle, opts: { readonly color: boolean } & TopAppStreams): Promise<void> {
  return runUntilQuit(<TopApp handle={handle} color={opts.color} />, opts);
}

/** One frame of `fleet top --contexts` as text, without trailing spaces. */
export function renderContextsFrame(state: ContextsTopState, opts: { readonly columns: number; readonly color: boolean }): string {
  const text = renderToString(<ContextsScreen state={state} size={{ columns: opts.columns, rows: null }} color={opts.color} once />, { columns: opts.columns });
  return trimLines(text);
}

/** Runs the live multi-cluster dashboard until the operator quits. */
export function runContextsApp(handle: ContextsTopHandle, opts: { readonly color: boolean } & TopAppStreams): Promise<void> {
  return runUntilQuit(<ContextsApp handle={handle} color={opts.color} />, opts);
}

async function runUntilQuit(node: ReactElement, opts: TopAppStreams): Promise<void> {
  const app = render(node, {
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

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export { TopApp, type TopAppProps } from './app.js';
export { TopScreen, type TopScreenProps } from './screen.js';
export { INITIAL_UI, type UiState } from './ui-state.js';
export { ContextsApp, onContextsKey, type ContextsAppProps } from './contexts-app.js';
export { ContextsScreen, contextsLines, type ContextsScreenProps } from './contexts-screen.js';
