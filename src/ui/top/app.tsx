/**
 * The live dashboard: subscribes to the view model, follows the terminal's size, turns keys
 * into screen changes and actions, and draws TopScreen. Everything it shows comes from the
 * handle passed in; it owns no polling and no client.
 */
import { useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { TopHandle } from '../../ops/top/view-model.js';
import type { ScreenSize } from './layout.js';
import { TopScreen } from './screen.js';
import { INITIAL_UI, onKey, type Effect, type UiState } from './ui-state.js';

/** Props of the app. */
export interface TopAppProps {
  readonly handle: TopHandle;
  readonly color: boolean;
  /** A fixed size (tests); by default the terminal's, following resizes. */
  readonly size?: ScreenSize;
  readonly onQuit?: () => void;
}

/** Terminal size when nothing better is known. */
const FALLBACK: ScreenSize = { columns: 80, rows: 24 };

/** The terminal's size, following resizes; `fixed` (tests) wins. */
export function useScreenSize(fixed: ScreenSize | undefined): ScreenSize {
  const { stdout } = useStdout();
  // One column short of the edge: a line that fills the last column leaves the cursor waiting to wrap, which throws redraws off by a line.
  const read = useCallback((): ScreenSize => ({ columns: (stdout.columns || FALLBACK.columns) - 1, rows: stdout.rows || FALLBACK.rows }), [stdout]);
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed !== undefined) return undefined;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, read, fixed]);
  return fixed ?? size;
}

/** The dashboard. */
export function TopApp({ handle, color, size, onQuit }: TopAppProps) {
  const subscribe = useCallback((listener: () => void) => handle.subscribe(listener), [handle]);
  const getState = useCallback(() => handle.getState(), [handle]);
  const state = useSyncExternalStore(subscribe, getState);
  const screen = useScreenSize(size);
  const { exit } = useApp();
  // Keys can arrive faster than React renders: each key must see the state the previous one left.
  const ui = useRef<UiState>(INITIAL_UI);
  const [shown, setShown] = useState<UiState>(INITIAL_UI);

  const run = useCallback(
    (effect: Effect) => {
      if (effect === null) return;
      if (effect.type === 'quit') {
        onQuit?.();
        exit();
      } else if (effect.type === 'pause') handle.togglePause();
      else if (effect.type === 'snapshot') void handle.snapshot();
      else void handle.transfer(effect.to);
    },
    [handle, exit, onQuit],
  );

  useInput((input, key) => {
    const current = handle.getState();
    const next = onKey(ui.current, input, key, { members: current.members, leader: current.header.leader, readonly: current.readonly });
    ui.current = next.ui;
    setShown(next.ui);
    run(next.effect);
  });

  return <TopScreen state={state} ui={shown} size={screen} color={color} />;
}
