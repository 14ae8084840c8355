import { describe, expect, it } from 'vitest';
import { TopViewModel } from '../../../src/ops/top/view-model.js';
import { Poller, withDeadline } from '../../../src/ops/top/poller.js';
import { down, leader, member, ok } from '../status-fixtures.js';
import { FakeClock, FakeSource, FakeWatch, change, flush, shard } from './fakes.js';

const ENDPOINTS = ['127.0.0.1:7781', '127.0.0.1:7782', '127.0.0.1:7783'];

function session(opts: { readonly?: boolean; intervalMs?: number } = {}) {
  const clock = new FakeClock();
  const source = new FakeSource();
  source.probes = [ok(leader()), ok(member('n2')), ok(member('n3'))];
  const vm = new TopViewModel({ source, clock, intervalMs: opts.intervalMs ?? 1_000, callDeadlineMs: 1_000, target: { context: 'local', endpoints: ENDPOINTS }, readonly: opts.readonly ?? false });
  /** One poll, `ms` after the previous one. */
  const pollAfter = async (ms: number) => {
    await clock.advance(ms);
    return vm.pollOnce();
  };
  return { clock, source, vm, pollAfter };
}

describe('TopViewModel', () => {
  it('derives the header, member rows (with the leader’s match index) and the registry panel from one poll', async () => {
    const { vm } = session();
    const s = await vm.pollOnce();
    expect(s.header).toMatchObject({ context: 'local', leader: 'n1', term: 3, commitIndex: 100, writesPerSec: null, banner: null, leaderUptimeMs: 60_000, leaderSince: null });
    expect(s.header.quorum).toEqual({ voters: 3, size: 2, healthyVoters: 3, failureTolerance: 1, available: true });
    expect(s.members.map((m) => [m.id, m.role, m.matchIndex, m.lag, m.replication])).toEqual([
      ['n1', 'leader', 100, 0, null],
      ['n2', 'follower', 100, 0, 'replicate'],
      ['n3', 'follower', 97, 3, 'replicate'],
    ]);
    expect(s.registry).toMatchObject({ staleClusters: 1, staleCapped: false, error: null, counts: expect.objectContaining({ unboundClusters: 3 }) });
    expect(s.registry.plans.map((p) => p.planId)).toEqual(['drain-s2']);
    expect(s.events.map((e) => e.text)).toEqual(['watching n1 n2 n3: leader n1 · term 3']);
  });

  it('measures writes/s from the commit index over time and keeps one sparkline sample per poll', async () => {
    const { source, vm, pollAfter } = session();
    await vm.pollOnce();
    source.probes = [ok(leader({ commitIndex: 150 })), ok(member('n2', { commitIndex: 150 })), ok(member('n3'))];
    let s = await pollAfter(1_000);
    expect(s.rates).toEqual([50]);
    expect(s.header.writesPerSec).toBe(50);
    source.probes = [ok(leader({ commitIndex: 160 })), ok(member('n2', { commitIndex: 160 })), ok(member('n3'))];
    s = await pollAfter(1_000);
    expect(s.rates).toEqual([50, 10]);
    expect(s.header.writesPerSec).toBe(30);
  });

  it('turns a killed leader into events: leader lost, member lost, election old → new with term, member back', async () => {
    const { source, vm, pollAfter } = session();
    await vm.pollOnce();
    source.probes = [down('127.0.0.1:7781'), ok(member('n2', { leaderId: '' })), ok(member('n3', { leaderId: '' }))];
    let s = await pollAfter(1_000);
    expect(s.header.leader).toBeNull();
    expect(s.header.banner).toBe('NO LEADER (term 3): 2 of 3 voters reachable, 2 needed to elect one');
    const n1 = s.members.find((m) => m.id === 'n1')!;
    expect(n1).toMatchObject({ role: 'unreachable', downSince: s.at, problem: 'unreachable: connection refused' });

    const n2Leads = (term: number) => [ok(member('n2', { role: 'leader', term, leaderId: 'n2', progress: [{ id: 'n3', match: 100, next: 101, state: 'replicate', recentActive: true, learner: false, lag: 0 }] })), ok(member('n3', { term, leaderId: 'n2' }))];
    source.probes = [down('127.0.0.1:7781'), ...n2Leads(4)];
    s = await pollAfter(1_000);
    expect(s.header).toMatchObject({ leader: 'n2', term: 4, leaderSince: s.at, banner: null });
    expect(s.header.quorum.failureTolerance).toBe(0);
    expect(s.members.find((m) => m.id === 'n1')!.downSince).toBe(s.at! - 1_000);

    source.probes = [ok(member('n1', { term: 4, leaderId: 'n2' })), ...n2Leads(4)];
    s = await pollAfter(1_000);
    expect(s.events.map((e) => [e.kind, e.text])).toEqual([
      ['watch', 'watching n1 n2 n3: leader n1 · term 3'],
      ['leader-lost', 'leader n1 lost (unreachable) · term 3'],
      ['member-lost', 'n1 lost: connection refused'],
      ['election', 'election n1 → n2 · term 4'],
      ['member-back', 'n1 back after 2.0s down'],
    ]);
    expect(s.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(s.members.find((m) => m.id === 'n1')!.downSince).toBeNull();
  });

  it('does not call the first sight of a leader an election when nothing answered before', async () => {
    const { source, vm, pollAfter } = session();
    source.probes = [down('127.0.0.1:7781'), down('127.0.0.1:7782'), down('127.0.0.1:7783')];
    await vm.pollOnce();
    source.probes = [ok(leader()), ok(member('n2')), ok(member('n3'))];
    const s = await pollAfter(1_000);
    expect(s.events.map((e) => [e.kind, e.text])).toEqual([
      ['watch', 'watching 127.0.0.1:7781 127.0.0.1:7782 127.0.0.1:7783: no leader (term 0)'],
      ['watch', 'leader n1 · term 3'],
    ]);
    // It was not seen taking over, so its tenure is unknown (the header shows its process uptime instead).
    expect(s.header.leaderSince).toBeNull();
  });

  it('tells snapshots taken from snapshots installed from the leader, and restarts', async () => {
    const { source, vm, pollAfter } = session();
    await vm.pollOnce();
    source.probes = [ok(leader({ snapshotIndex: 100, snapshotsTaken: 1, uptimeMs: 61_000 })), ok(member('n2', { snapshotIndex: 90, uptimeMs: 61_000 })), ok(member('n3', { uptimeMs: 1_000 }))];
    const s = await pollAfter(1_000);
    expect(s.events.slice(1).map((e) => [e.kind, e.text])).toEqual([
      ['snapshot-taken', 'n1 took a snapshot at index 100'],
      ['snapshot-installed', 'n2 installed a snapshot at index 90 from the leader'],
      ['member-restarted', 'n3 restarted'],
    ]);
  });

  it('runs a transfer, names the new leader a transfer (not an election), and refreshes at once', async () => {
    const { source, vm, clock } = session();
    await vm.pollOnce();
    source.probes = [ok(member('n1', { term: 4, leaderId: 'n2' })), ok(member('n2', { role: 'leader', term: 4, leaderId: 'n2' })), ok(member('n3', { term: 4, leaderId: 'n2' }))];
    await vm.transfer('n2');
    await clock.advance(0);
    const s = vm.getState();
    expect(source.calls.transfer).toEqual(['n2']);
    expect(s.action).toMatchObject({ kind: 'transfer', state: 'done', text: 'transfer accepted: n1 → n2 in 42ms' });
    expect(s.polls).toBe(2);
    expect(s.events.at(-1)).toMatchObject({ kind: 'transfer', text: 'transfer n1 → n2 · term 4' });
  });

  it('refuses actions in a read-only session without calling the cluster', async () => {
    const { source, vm } = session({ readonly: true });
    await vm.pollOnce();
    await vm.transfer('n2');
    expect(vm.getState().action).toMatchObject({ kind: 'transfer', state: 'refused' });
    await vm.snapshot();
    expect(vm.getState().action).toMatchObject({ kind: 'snapshot', state: 'refused', text: 'read-only session: snapshot refused (started with --readonly)' });
    expect(source.calls.transfer).toEqual([]);
    expect(source.calls.snapshot).toBe(0);
  });

  it('takes a snapshot and says where', async () => {
    const { source, vm } = session();
    await vm.pollOnce();
    await vm.snapshot();
    expect(source.calls.snapshot).toBe(1);
    expect(vm.getState().action).toMatchObject({ state: 'done', text: 'snapshot taken at index 120 (term 3, 4.0K)' });
  });

  it('does not let a hung status call or registry read stall the frame: the deadline ends the poll', async () => {
    const { source, vm, clock } = session();
    await vm.pollOnce();
    source.hangStatus = true;
    source.hangRegistry = true;
    const polled = vm.pollOnce();
    // The poll's deadline is twice the call deadline, so the client's own deadline answers first.
    await clock.advance(1_999);
    expect(vm.getState().polls).toBe(1);
    await clock.advance(1);
    const s = await polled;
    expect(s.polls).toBe(2);
    expect(s.members.map((m) => m.role)).toEqual(['unreachable', 'unreachable', 'unreachable']);
    expect(s.members[0]!.problem).toBe('unreachable: timed out');
    expect(s.header.banner).toMatch(/^NO MEMBER ANSWERS/);
    // The registry keeps the last data it read, with the reason it is old.
    expect(s.registry.shards).toHaveLength(2);
    expect(s.registry.error).toBe('no answer within 2000 ms');
    source.release();
  });

  it('polls at the interval without ever overlapping a slow poll, and pauses', async () => {
    const { source, vm, clock } = session();
    source.hangStatus = true;
    vm.start();
    await clock.advance(10);
    expect(source.calls.statusAll).toBe(1);
    // Each poll is cut at its 2 s deadline and frames keep coming; a call still hung is joined, not repeated.
    await clock.advance(6_000);
    expect(vm.getState().polls).toBe(3);
    expect(vm.getState().members.every((m) => m.role === 'unreachable')).toBe(true);
    expect(source.maxInFlight).toBe(1);
    source.hangStatus = false;
    source.release();
    await clock.advance(3_000);
    const before = source.calls.statusAll;
    expect(vm.getState().members.every((m) => m.role !== 'unreachable')).toBe(true);
    vm.togglePause();
    await clock.advance(10_000);
    expect(source.calls.statusAll).toBe(before);
    expect(vm.getState().paused).toBe(true);
    vm.togglePause();
    await clock.advance(0);
    expect(source.calls.statusAll).toBe(before + 1);
    await vm.stop();
    await clock.advance(10_000);
    expect(source.calls.statusAll).toBe(before + 1);
  });
});

describe('Poller and withDeadline', () => {
  it('waits for a slow run and starts the next one interval after the previous start', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    let release: () => void = () => undefined;
    const poller = new Poller({ clock, intervalMs: 1_000, task: () => (starts.push(clock.now()), new Promise<void>((r) => (release = r))) });
    poller.start();
    await clock.advance(2_500);
    expect(starts).toHaveLength(1);
    release();
    await flush();
    await clock.advance(0);
    expect(starts).toHaveLength(2);
    release();
    await clock.advance(999);
    expect(starts).toHaveLength(2);
    await clock.advance(1);
    expect(starts).toHaveLength(3);
    const stopped = poller.stop();
    release();
    await stopped;
    await clock.advance(5_000);
    expect(starts).toHaveLength(3);
  });

  it('settles with the error of a call that throws synchronously', async () => {
    const clock = new FakeClock();
    const r = await withDeadline(() => {
      throw new Error('boom\nstack');
    }, 100, clock);
    expect(r).toEqual({ ok: false, error: 'boom' });
    expect(clock.pending).toBe(0);
  });
});

describe('TopViewModel registry changes', () => {
  it('a paused screen keeps still: changes wait for the resume; stop ends the watch', async () => {
    const clock = new FakeClock();
    const watch = new FakeWatch();
    const source = Object.assign(new FakeSource(), { watch: watch.open });
    source.probes = [ok(leader()), ok(member('n2')), ok(member('n3'))];
    const vm = new TopViewModel({ source, clock, intervalMs: 1_000, callDeadlineMs: 1_000, changes: { registries: ['shards'] }, target: { context: null, endpoints: ENDPOINTS } });
    vm.start();
    await clock.advance(100);
    vm.togglePause();
    watch.push(change('shards', 'shard.setState', 's1', shard('s1'), shard('s1', { state: 'cordoned' }), 9));
    await clock.advance(2_000);
    expect(vm.getState().events.map((e) => e.text)).toEqual(['watching n1 n2 n3: leader n1 · term 3']);
    vm.togglePause();
    expect(vm.getState().events.map((e) => e.text)).toEqual(['watching n1 n2 n3: leader n1 · term 3', 'shard s1 cordoned (was active)']);
    await vm.stop();
    expect(watch.opens.map((o) => o.signal?.aborted)).toEqual([true]);
  });
});
