/**
 * The live multi-cluster dashboard: subscribes to the session, follows the terminal's size,
 * turns keys into scrolling, pausing, refreshing and quitting, and draws ContextsScreen. It
 * owns no polling and no client.
 */
import { useApp, useInput } from 'ink';
import { useCallback, useRef, useState, useSyncExternalStore } from 'react';
import type { ContextsTopHandle } from '../../ops/top/contexts-view-model.js';
import { useScreenSize } from './app.js';
import { ContextsScreen } from './contexts-screen.js';
import type { ScreenSize } from './layout.js';
import type { KeyPress } from './ui-state.js';

/** Props of the app. */
export interface ContextsAppProps {
  readonly handle: ContextsTopHandle;
  readonly color: boolean;
  /** A fixed size (tests); by default the terminal's, following resizes. */
  readonly size?: ScreenSize;
  readonly onQuit?: () => void;
}

/** What the app must do after a key. */
export type ContextsEffect = 'quit' | 'pause' | 'refresh' | null;

/** The next scroll position and effect for one key press (pure). */
export function onContextsKey(scroll: number, input: string, key: KeyPress, contexts: number): { scroll: number; effect: ContextsEffect } {
  if (input === 'q' || (key.ctrl && input === 'c')) return { scroll, effect: 'quit' };
  if (input === 'p') return { scroll, effect: 'pause' };
  if (input === 'r') return { scroll, effect: 'refresh' };
  const step = key.pageUp || key.pageDown ? 10 : 1;
  if (key.upArrow || key.pageUp) return { scroll: Math.max(0, scroll - step), effect: null };
  if (key.downArrow || key.pageDown) return { scroll: Math.min(Math.max(0, contexts - 1), scroll + step), effect: null };
  return { scroll, effect: null };
}

/** The dashboard. */
export function ContextsApp({ handle, color, size, onQuit }: ContextsAppProps) {
  const subscribe = useCallback((listener: () => void) => handle.subscribe(listener), [handle]);
  const getState = useCallback(() => handle.getState(), [handle]);
  const state = useSyncExternalStore(subscribe, getState);
  const screen = useScreenSize(size);
  const { exit } = useApp();
  // Keys can arrive faster than React renders: each key must see the scroll the previous one left.
  const scroll = useRef(0);
  const [shown, setShown] = useState(0);

  useInput((input, key) => {
    const next = onContextsKey(scroll.current, input, key, handle.getState().contexts.length);
    scroll.current = next.scroll;
    setShown(next.scroll);
    if (next.effect === 'quit') {
      onQuit?.();
      exit();
    } else if (next.effect === 'pause') handle.togglePause();
    else if (next.effect === 'refresh') handle.refresh();
  });

  return <ContextsScreen state={state} size={screen} color={color} scroll={shown} />;
}
