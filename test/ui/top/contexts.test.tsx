import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { buildStatusModel } from '../../../src/ops/status.js';
import { answeredTile, failedTile, pendingTile, type ContextsTopState, type ContextTile } from '../../../src/ops/top/contexts.js';
import type { ContextsTopHandle } from '../../../src/ops/top/contexts-view-model.js';
import { ContextsApp, onContextsKey } from '../../../src/ui/top/contexts-app.js';
import { ContextsScreen } from '../../../src/ui/top/contexts-screen.js';
import { renderContextsFrame } from '../../../src/ui/top/index.js';
import { down, leader, member, ok } from '../../ops/status-fixtures.js';

// eslint-disable-next-line no-control-regex -- the escape is what is being looked for
const ANSI = /\u001b\[/;
const KEY = { up: '\u001b[A', down: '\u001b[B' };
const T0 = new Date(2025, 0, 1, 12, 0, 0).getTime();

const threeMembers = () => buildStatusModel([ok(leader({ commitIndex: 1_234, appliedIndex: 1_230 })), ok(member('n2')), ok(member('n3'))]);
const oneMember = () => buildStatusModel([ok(member('n1', { role: 'leader', members: [{ id: 'n1', address: '127.0.0.1:7781', voter: true }], commitIndex: 7, appliedIndex: 7, lastIndex: 7 }))]);
const allDown = () => buildStatusModel([down('127.0.0.1:9001')]);

/** Three clusters as `fleet top --contexts prod,solo,gone` sees them: healthy, one member (degraded), stopped. */
function fixture(at = T0 + 3_000): ContextsTopState {
  const prod = answeredTile(pendingTile('prod'), threeMembers(), at, 3);
  const solo = answeredTile(pendingTile('solo'), oneMember(), at, 2);
  const gone = answeredTile(answeredTile(pendingTile('gone'), threeMembers(), T0, 3), allDown(), at, 1);
  return { at, intervalMs: 1_000, paused: false, contexts: [prod, solo, gone] };
}

function frame(state: ContextsTopState, columns: number, rows: number, scroll = 0): string {
  const r = render(<ContextsScreen state={state} size={{ columns, rows }} color={false} scroll={scroll} />);
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
}

const rowOf = (out: string, context: string) => out.split('\n').find((l) => l.startsWith(`  ${context} `)) ?? '';

describe('ContextsScreen', () => {
  it('one row per cluster in the order named, and a stopped one marked unreachable with why and since when', () => {
    const out = frame(fixture(), 100, 24);
    expect(out).toMatch(/^fleet top · 3 contexts · every 1s +12:00:03$/m);
    expect(out).toContain('1 unreachable · 1 degraded · 1 healthy');
    expect(out).toMatch(/^ {2}CONTEXT +STATE +LEADER +TERM +COMMIT +APPLIED +MAX LAG +QUORUM +DOWN +CHECKED$/m);
    expect(rowOf(out, 'prod')).toMatch(/^ {2}prod +healthy +n1 +3 +1,234 +1,230 +3 2 of 3, can lose 1 +- +12:00:03$/);
    expect(rowOf(out, 'solo')).toMatch(/^ {2}solo +degraded +n1 +3 +7 +7 +0 1 of 1, can lose 0 +- +12:00:03$/);
    expect(rowOf(out, 'gone')).toMatch(/^ {2}gone +UNREACHABLE +- +- +- +- +- +- +- +12:00:03$/);
    expect(out).toContain('└ unreachable: connection refused · last answer 12:00:00');
    expect(out).toContain('└ can lose no voter: 1 healthy of 1, quorum 1');
    const order = ['prod', 'solo', 'gone'].map((c) => out.indexOf(`  ${c} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out).toMatch(/q quit {2}↑↓ scroll {2}r refresh now {2}p pause/);
    expect(out).not.toMatch(ANSI);
  });

  it('before the first answers, and a poll that failed as a whole (its deadline)', () => {
    const waiting: ContextsTopState = { at: null, intervalMs: 250, paused: false, contexts: [pendingTile('a'), failedTile(pendingTile('b'), 'no answer within 2000 ms', T0, 2_000)] };
    const out = frame(waiting, 80, 24);
    expect(out).toMatch(/^fleet top · 2 contexts · every 250ms +connecting…$/m);
    expect(rowOf(out, 'a')).toMatch(/asking…/);
    expect(rowOf(out, 'b')).toMatch(/UNREACHABLE/);
    expect(out).toContain('└ unreachable: no answer within 2000 ms · never answered');
  });

  it('narrow (50 columns): drops columns by priority but keeps context, state, leader and lag; never overflows', () => {
    const out = frame(fixture(), 50, 24);
    for (const line of out.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(50);
    expect(rowOf(out, 'prod')).toMatch(/prod +healthy +n1 +3 .*3/);
    expect(out).not.toContain('CHECKED');
  });

  it('more clusters than rows: scrolls, counts those not shown, and stays within rows - 1', () => {
    const many: ContextsTopState = { ...fixture(), contexts: Array.from({ length: 12 }, (_, i): ContextTile => answeredTile(pendingTile(`c${String(i).padStart(2, '0')}`), threeMembers(), T0, 1)) };
    const out = frame(many, 100, 10);
    expect(out.split('\n').length).toBeLessThanOrEqual(9);
    expect(out).toContain('c00');
    expect(out).toMatch(/\d+ more contexts \(↑↓ to scroll\)/);
    const scrolled = frame(many, 100, 10, 11);
    expect(scrolled).toContain('c11');
    expect(scrolled).not.toContain('c00');
  });

  it('--once frame: every cluster, no key hints, no trailing spaces, no colour when not asked', () => {
    const out = renderContextsFrame(fixture(), { columns: 100, color: false });
    expect(out).toContain('gone');
    expect(out).not.toContain('q quit');
    expect(out.split('\n').every((l) => l === l.trimEnd())).toBe(true);
    expect(out).not.toMatch(ANSI);
  });
});

/** A handle over a state the test publishes, recording what the app asks for. */
function fakeHandle(state: ContextsTopState) {
  let current = state;
  const listeners = new Set<() => void>();
  const publish = (next: ContextsTopState) => {
    current = next;
    for (const l of listeners) l();
  };
  const handle = {
    getState: () => current,
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    togglePause: vi.fn(() => publish({ ...current, paused: !current.paused })),
    refresh: vi.fn(),
  } satisfies ContextsTopHandle;
  return { handle, publish };
}

describe('ContextsApp', () => {
  it('redraws as clusters answer; r refreshes, p pauses and resumes, q quits', async () => {
    const { handle, publish } = fakeHandle({ at: null, intervalMs: 1_000, paused: false, contexts: ['prod', 'solo', 'gone'].map(pendingTile) });
    const onQuit = vi.fn();
    const r = render(<ContextsApp handle={handle} color={false} size={{ columns: 100, rows: 24 }} onQuit={onQuit} />);
    const shows = (pattern: RegExp | string) => vi.waitFor(() => expect(r.lastFrame()).toMatch(pattern), { timeout: 2_000 });
    const press = async (...keys: string[]) => {
      for (const k of keys) {
        r.stdin.write(k);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await shows('3 waiting');
    publish(fixture());
    await shows(/unreachable: connection refused/);
    publish(fixture(T0 + 4_000));
    await shows(/12:00:04$/m);
    await press('r');
    expect(handle.refresh).toHaveBeenCalledTimes(1);
    await press('p');
    await shows('PAUSED');
    await press('p');
    await vi.waitFor(() => expect(r.lastFrame()).not.toContain('PAUSED'));
    await press(KEY.down, KEY.up);
    await press('q');
    expect(onQuit).toHaveBeenCalledTimes(1);
    r.unmount();
  });
});

describe('onContextsKey', () => {
  it('↑/↓ and PgUp/PgDn scroll within the clusters; q, Ctrl-C, p and r ask for their effect', () => {
    expect(onContextsKey(0, '', { downArrow: true }, 3)).toEqual({ scroll: 1, effect: null });
    expect(onContextsKey(2, '', { downArrow: true }, 3)).toEqual({ scroll: 2, effect: null });
    expect(onContextsKey(0, '', { upArrow: true }, 3)).toEqual({ scroll: 0, effect: null });
    expect(onContextsKey(15, '', { pageUp: true }, 30)).toEqual({ scroll: 5, effect: null });
    expect(onContextsKey(1, 'q', {}, 3)).toEqual({ scroll: 1, effect: 'quit' });
    expect(onContextsKey(1, 'c', { ctrl: true }, 3).effect).toBe('quit');
    expect(onContextsKey(1, 'p', {}, 3).effect).toBe('pause');
    expect(onContextsKey(1, 'r', {}, 3).effect).toBe('refresh');
    expect(onContextsKey(1, 'x', {}, 3)).toEqual({ scroll: 1, effect: null });
  });
});
