import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EndpointStatus } from '../../../src/client/index.js';
import type { TopState } from '../../../src/ops/top/model.js';
import { TopViewModel, type TopHandle } from '../../../src/ops/top/view-model.js';
import { TopApp } from '../../../src/ui/top/app.js';
import { renderTopFrame } from '../../../src/ui/top/index.js';
import { seg } from '../../../src/ui/top/format.js';
import { TopScreen } from '../../../src/ui/top/screen.js';
import { styleOf } from '../../../src/ui/top/theme.js';
import { INITIAL_UI, type UiState } from '../../../src/ui/top/ui-state.js';
import { FakeClock, FakeSource, FakeWatch, change, shard } from '../../ops/top/fakes.js';
import { down, leader, member, ok } from '../../ops/status-fixtures.js';

// eslint-disable-next-line no-control-regex -- the escape is what is being looked for
const ANSI = /\u001b\[/;
const KEY = { up: '\u001b[A', down: '\u001b[B', tab: '\t', escape: '\u001b', enter: '\r' };

/** The state after the given polls, one second apart, of a fake cluster. */
async function stateAfter(...polls: EndpointStatus[][]): Promise<TopState> {
  const clock = new FakeClock();
  const source = new FakeSource();
  source.shards = [shard('s1'), shard('s2', { state: 'draining', boundClusters: 95, region: 'us', zone: 'us-1b' }), shard('s3', { state: 'cordoned', boundClusters: 0, region: 'us', zone: 'us-1c' })];
  const vm = new TopViewModel({ source, clock, intervalMs: 1_000, callDeadlineMs: 1_000, target: { context: 'local', endpoints: ['127.0.0.1:7781', '127.0.0.1:7782', '127.0.0.1:7783'] } });
  for (const [i, probes] of polls.entries()) {
    if (i > 0) await clock.advance(1_000);
    source.probes = probes;
    await vm.pollOnce();
  }
  return vm.getState();
}

const healthy = () => [ok(leader()), ok(member('n2')), ok(member('n3'))];
const lagging = () => [
  ok(leader({ commitIndex: 2_000, lastIndex: 2_000, progress: [{ id: 'n2', match: 2_000, next: 2_001, state: 'replicate', recentActive: true, learner: false, lag: 0 }, { id: 'n3', match: 1_500, next: 1_501, state: 'probe', recentActive: true, learner: false, lag: 500 }] })),
  ok(member('n2', { commitIndex: 2_000 })),
  ok(member('n3', { commitIndex: 1_500, appliedIndex: 1_500 })),
];
const noLeader = () => [ok(member('n1', { leaderId: '', term: 4 })), ok(member('n2', { leaderId: '', term: 4 })), down('127.0.0.1:7783')];
const n3Down = () => [ok(leader()), ok(member('n2')), down('127.0.0.1:7783')];

function frame(state: TopState, columns: number, rows: number, ui: UiState = INITIAL_UI, color = false): string {
  const r = render(<TopScreen state={state} ui={ui} size={{ columns, rows }} color={color} />);
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
}

function expectFits(out: string, columns: number, rows: number): void {
  const lines = out.split('\n');
  expect(lines.length, out).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

const rowOf = (out: string, id: string) => out.split('\n').find((l) => new RegExp(`^[› ] ${id} `).test(l)) ?? '';

describe('TopScreen against fixtures', () => {
  it('healthy cluster at 80x24: leader, quorum, every member, events and registry, within the screen', async () => {
    const out = frame(await stateAfter(healthy(), healthy()), 80, 24);
    expectFits(out, 80, 24);
    expect(out).toContain('fleet top · context local · cluster fleet · 127.0.0.1:7781 +2 · every 1s');
    expect(out).toMatch(/leader n1 · up 1m00s · term 3 · commit 100 · 0 w\/s · quorum 2\/3 · can lose 1/);
    // At 80 columns: id, role, term, commit, match, lag, lag bar, contact, RTT, health.
    expect(rowOf(out, 'n1')).toMatch(/^› n1 leader\s+3\s+100\s+100\s+0 ░{8}\s+-\s+1\.0ms ok$/);
    expect(rowOf(out, 'n3')).toMatch(/^ {2}n3 follower\s+3\s+100\s+97\s+3 █░{7}\s+40ms\s+1\.0ms ok$/);
    expect(out).toContain('watching n1 n2 n3: leader n1 · term 3');
    expect(out).toMatch(/REGISTRY 2 shards · 75 clusters/);
    expect(out).toMatch(/3 unbound · 1 stale >15m · 1 plans/);
    expect(out).toMatch(/plan drain-s2 running █+░+ 12\/30 moves/);
    expect(out).toMatch(/s2\s+draining\s+█+░* 95\/100/);
    expect(out).not.toMatch(/NO LEADER|NO QUORUM/);
    expect(out).not.toMatch(ANSI);
  });

  it('members placed in regions and zones: a REGION and a ZONE column, as in fleet status', async () => {
    const placed = () => [ok(leader({ region: 'us', zone: 'a' })), ok(member('n2', { region: 'eu', zone: 'b' })), ok(member('n3', { region: 'ap', zone: 'c' }))];
    const out = frame(await stateAfter(placed(), placed()), 160, 30);
    expectFits(out, 160, 30);
    expect(out).toMatch(/ID\s+ADDRESS\s+REGION\s+ZONE\s+ROLE/);
    expect(rowOf(out, 'n2')).toMatch(/^ {2}n2 127\.0\.0\.1:7782 eu\s+b\s+follower/);
    // Unplaced members (the fixture above) get no such columns at any width.
    expect(frame(await stateAfter(healthy(), healthy()), 160, 30)).not.toMatch(/REGION|ZONE/);
  });

  it('lagging follower: its lag in entries, a filled lag bar, and the leader’s match index', async () => {
    const out = frame(await stateAfter(lagging()), 100, 30);
    expect(rowOf(out, 'n3')).toMatch(/follower\s+3\s+1500\s+1500\s+1500\s+500 █████░░░/);
    expect(rowOf(out, 'n2')).toMatch(/\s0 ░░░░░░░░/);
  });

  it('a member whose event loop was held past its bound: said in its health cell, as fleet status says it', async () => {
    const held = [ok(leader({ loopDelayMaxMs: 40, loopHeldBoundMs: 167 })), ok(member('n2', { loopDelayMaxMs: 730, loopHeldBoundMs: 167 })), ok(member('n3', { loopDelayMaxMs: 900 }))];
    const out = frame(await stateAfter(held), 120, 30);
    expect(rowOf(out, 'n2')).toMatch(/ok · loop held 730ms\s*$/);
    expect(rowOf(out, 'n1')).toMatch(/ok\s*$/);
    // A member that predates the bound is not judged.
    expect(rowOf(out, 'n3')).toMatch(/ok\s*$/);
  });

  it('no leader: a banner says so, with what an election needs', async () => {
    const out = frame(await stateAfter(noLeader()), 80, 24);
    expectFits(out, 80, 24);
    expect(out).toContain('NO LEADER (term 4): 2 of 3 voters reachable, 2 needed to elect one');
    expect(out).toMatch(/^no leader · term 4/m);
    expect(out).toContain('NO QUORUM');
  });

  it('unreachable member: stays in the table, marked, with how long it has been down', async () => {
    const out = frame(await stateAfter(healthy(), n3Down(), n3Down(), n3Down()), 80, 24);
    expect(rowOf(out, 'n3')).toMatch(/^ {2}n3 unreachable\s+-\s+-\s+97\s+-\s+down 2\.0s\s+connection refused$/);
    expect(out).toContain('can lose 0 (1 down)');
    expect(out).toMatch(/n3 lost: connection refused/);
  });

  it('narrow terminal (60x16): drops columns and panels but keeps leader, ids and roles, and never overflows', async () => {
    const state = await stateAfter(healthy(), n3Down());
    const out = frame(state, 60, 16);
    expectFits(out, 60, 16);
    expect(out).toContain('leader n1');
    for (const id of ['n1', 'n2', 'n3']) expect(rowOf(out, id)).not.toBe('');
    expect(out).not.toContain('ADDRESS');
    // A terminal too small for panels still shows the members and the keys.
    const tiny = frame(state, 40, 10);
    expectFits(tiny, 40, 10);
    expect(tiny).toContain('n3 unreachable');
  });

  it('a large terminal shows every column and the panels side by side', async () => {
    const out = frame(await stateAfter(healthy(), healthy()), 160, 40);
    expectFits(out, 160, 40);
    expect(out).toMatch(/ID ADDRESS\s+ROLE\s+TERM COMMIT APPLIED MATCH LAG LAG BAR\s+CONTACT\s+RTT RSS VERSION HEALTH/);
    expect(out).toMatch(/EVENTS 1\s+REGISTRY 2 shards/);
  });

  it('colours only when asked (NO_COLOR and pipes get plain text)', async () => {
    const state = await stateAfter(healthy());
    expect(styleOf(seg('n3', 'bad', true), true)).toEqual({ color: 'red', inverse: true });
    expect(styleOf(seg('n3', 'bad', true), false)).toEqual({});
    expect(frame(state, 100, 30, INITIAL_UI, false)).not.toMatch(ANSI);
    expect(renderTopFrame(state, { columns: 100, color: false })).not.toMatch(ANSI);
  });

  it('--once frame: every panel at its natural height, no key hints, no trailing spaces', async () => {
    const out = renderTopFrame(await stateAfter(healthy(), n3Down()), { columns: 100, color: false });
    expect(out).toContain('n3 lost: connection refused');
    expect(out).not.toContain('q quit');
    expect(out.split('\n').every((l) => l === l.trimEnd())).toBe(true);
  });
});

describe('registry changes in the timeline', () => {
  const cluster = (name: string, s: string) => ({ name, shard: s, generation: 1, boundAtIndex: 5, lastSeen: 0 });

  it('shows the watch’s changes, a burst as one line, between the poll events by time', async () => {
    const clock = new FakeClock();
    const watch = new FakeWatch();
    const source = Object.assign(new FakeSource(), { watch: watch.open });
    source.probes = healthy();
    const vm = new TopViewModel({ source, clock, intervalMs: 1_000, callDeadlineMs: 1_000, changes: { registries: ['shards', 'clusters'] }, target: { context: 'local', endpoints: ['127.0.0.1:7781', '127.0.0.1:7782', '127.0.0.1:7783'] } });
    vm.start();
    await clock.advance(100);
    watch.push(change('shards', 'shard.setState', 's2', shard('s2'), shard('s2', { state: 'draining' }), 50));
    for (let i = 0; i < 500; i++) watch.push(change('clusters', 'cluster.rebind', `c-${i}`, cluster(`c-${i}`, 's1'), cluster(`c-${i}`, 's2'), 51 + i));
    // n3 goes down meanwhile: the poll at 1s sees it before the changes' flush at 1.1s, which dates them at 0.1s.
    source.probes = n3Down();
    await clock.advance(1_500);
    const a = await app(vm.getState());
    await a.shows(/EVENTS 4/);
    const lines = (a.r.lastFrame() ?? '').split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    // Newest first, by when each happened, not when it was appended.
    expect(at('n3 lost: connection refused')).toBeGreaterThan(-1);
    expect(at('n3 lost: connection refused')).toBeLessThan(at('500 clusters rebound s1 → s2'));
    expect(at('500 clusters rebound s1 → s2')).toBeLessThan(at('shard s2 drained (was active)'));
    expect(at('shard s2 drained (was active)')).toBeLessThan(at('watching n1 n2 n3'));
    expect(lines.filter((l) => l.includes('rebound'))).toHaveLength(1);
    a.r.unmount();
    await vm.stop();
  });

  it('a target without a change stream: one note in the timeline, the rest as before', async () => {
    const clock = new FakeClock();
    const source = new FakeSource();
    source.probes = healthy();
    const vm = new TopViewModel({ source, clock, intervalMs: 1_000, callDeadlineMs: 1_000, changes: { registries: ['shards'] }, target: { context: null, endpoints: ['127.0.0.1:7781'] } });
    vm.start();
    await clock.advance(100);
    const out = frame(vm.getState(), 160, 40);
    expect(out).toContain('registry changes not shown: this target has no change stream');
    expect(out).toContain('watching n1 n2 n3: leader n1 · term 3');
    await vm.stop();
  });
});

/** A handle over a fixed state, recording the actions the app asks for. */
function fakeHandle(state: TopState) {
  let current = state;
  const listeners = new Set<() => void>();
  const handle = {
    getState: () => current,
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    togglePause: vi.fn(() => {
      current = { ...current, paused: !current.paused };
      for (const l of listeners) l();
    }),
    transfer: vi.fn(async () => undefined),
    snapshot: vi.fn(async () => undefined),
  } satisfies TopHandle;
  const publish = (next: TopState) => {
    current = next;
    for (const l of listeners) l();
  };
  return { handle, publish };
}

async function app(state: TopState, size = { columns: 100, rows: 30 }) {
  const { handle, publish } = fakeHandle(state);
  const onQuit = vi.fn();
  const r = render(<TopApp handle={handle} color={false} size={size} onQuit={onQuit} />);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const shows = (pattern: RegExp | string) => vi.waitFor(() => expect(r.lastFrame()).toMatch(pattern), { timeout: 2_000 });
  return { r, handle, publish, onQuit, press, shows };
}

describe('TopApp keys', () => {
  afterEach(() => vi.restoreAllMocks());

  it('↑/↓ select a member; t asks to confirm, y transfers to the selected member', async () => {
    const a = await app(await stateAfter(healthy()));
    await a.shows(/^› n1 /m);
    await a.press(KEY.down);
    await a.shows(/^› n2 /m);
    await a.press(KEY.down, KEY.down, KEY.up);
    await a.shows(/^› n2 /m);
    await a.press('t');
    await a.shows(/transfer leadership n1 → n2\?\s+y confirms, any other key cancels/);
    expect(a.handle.transfer).not.toHaveBeenCalled();
    await a.press('y');
    await vi.waitFor(() => expect(a.handle.transfer).toHaveBeenCalledWith('n2'));
    a.r.unmount();
  });

  it('any key but y cancels a transfer; the leader itself and unreachable members are refused as targets', async () => {
    const a = await app(await stateAfter(n3Down()));
    await a.press(KEY.down, 't', 'n');
    await a.shows('transfer cancelled');
    await a.press(KEY.up, 't');
    await a.shows('cannot transfer: n1 already leads; select a follower with ↑/↓');
    await a.press(KEY.down, KEY.down, 't');
    await a.shows('cannot transfer: n3 is unreachable');
    expect(a.handle.transfer).not.toHaveBeenCalled();
    a.r.unmount();
  });

  it('--readonly: t and s are refused, nothing is sent', async () => {
    const a = await app({ ...(await stateAfter(healthy())), readonly: true });
    await a.shows('(read-only)');
    await a.press(KEY.down, 't');
    await a.shows('read-only session (--readonly): leadership transfer refused');
    await a.press('y', 's');
    await a.shows('read-only session (--readonly): snapshot refused');
    expect(a.handle.transfer).not.toHaveBeenCalled();
    expect(a.handle.snapshot).not.toHaveBeenCalled();
    a.r.unmount();
  });

  it('q quits; s snapshots; p pauses and resumes', async () => {
    const a = await app(await stateAfter(healthy()));
    await a.press('s');
    expect(a.handle.snapshot).toHaveBeenCalledTimes(1);
    await a.press('p');
    await a.shows('PAUSED');
    await a.press('p');
    await vi.waitFor(() => expect(a.r.lastFrame()).not.toContain('PAUSED'));
    expect(a.handle.togglePause).toHaveBeenCalledTimes(2);
    await a.press('q');
    expect(a.onQuit).toHaveBeenCalledTimes(1);
    a.r.unmount();
  });

  it('? opens and closes the help overlay', async () => {
    const a = await app(await stateAfter(healthy()));
    await a.press('?');
    await a.shows(/KEYS[\s\S]*transfer leadership to the selected member/);
    expect(a.r.lastFrame()).not.toContain('MEMBERS');
    await a.press('?');
    await a.shows('MEMBERS');
    a.r.unmount();
  });

  it('/ filters the shards panel; Esc clears the filter', async () => {
    const a = await app(await stateAfter(healthy()));
    await a.shows(/s1\s+active/);
    await a.press('/', 'u', 's', '-', '1', 'c');
    await a.shows('filter shards: /us-1c');
    await a.shows(/s3\s+cordoned/);
    expect(a.r.lastFrame()).not.toMatch(/s1\s+active/);
    await a.press(KEY.enter);
    await a.shows(/REGISTRY .*\/us-1c/);
    await a.press(KEY.escape);
    await a.shows(/s1\s+active/);
    a.r.unmount();
  });

  it('Tab moves the focus between members, events and registry; ↓ then scrolls the focused panel', async () => {
    const many = await stateAfter(healthy(), n3Down(), healthy(), n3Down(), healthy(), n3Down(), healthy());
    const a = await app(many, { columns: 80, rows: 20 });
    await a.shows('» MEMBERS');
    await a.press(KEY.tab);
    await a.shows('» EVENTS');
    await a.press(KEY.down);
    await a.shows(/EVENTS 7 ↑1 newer ↓2 older/);
    await a.shows(/EVENTS.*\n.*n3 lost: connection refused/);
    await a.press(KEY.tab);
    await a.shows('» REGISTRY');
    await a.press(KEY.tab);
    await a.shows('» MEMBERS');
    a.r.unmount();
  });

  it('redraws when the view model publishes a new state (a new leader, an event)', async () => {
    const a = await app(await stateAfter(healthy()));
    const after = await stateAfter(healthy(), [down('127.0.0.1:7781'), ok(member('n2', { role: 'leader', term: 4, leaderId: 'n2' })), ok(member('n3', { term: 4, leaderId: 'n2' }))]);
    a.publish(after);
    await a.shows(/^leader n2 /m);
    await a.shows('election n1 → n2 · term 4');
    a.r.unmount();
  });
});
