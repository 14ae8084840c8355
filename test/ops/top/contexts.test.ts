import { describe, expect, it } from 'vitest';
import { buildStatusModel, type StatusModel } from '../../../src/ops/status.js';
import { answeredTile, pendingTile, worstState } from '../../../src/ops/top/contexts.js';
import { ContextsTopViewModel, type WatchedContext } from '../../../src/ops/top/contexts-view-model.js';
import { down, leader, member, ok } from '../status-fixtures.js';
import { FakeClock } from './fakes.js';

const healthy = (commit = 100): StatusModel => buildStatusModel([ok(leader({ commitIndex: commit, appliedIndex: commit - 1 })), ok(member('n2')), ok(member('n3'))]);
const stopped = (): StatusModel => buildStatusModel(['127.0.0.1:7781', '127.0.0.1:7782'].map((e) => down(e)));

/** A context whose answers are scripted; `hang` keeps its calls pending until released. */
class FakeContext implements WatchedContext {
  calls = 0;
  hang = false;
  fail: string | null = null;
  #release: (() => void)[] = [];
  constructor(readonly name: string, public model: () => StatusModel) {}

  async status(): Promise<StatusModel> {
    this.calls++;
    if (this.hang) await new Promise<void>((r) => this.#release.push(r));
    if (this.fail !== null) throw new Error(this.fail);
    return this.model();
  }

  release(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

describe('context tiles', () => {
  it('a cluster that answers: its leader, term, the leader’s commit and applied index, the worst lag and quorum', () => {
    const t = answeredTile(pendingTile('prod'), healthy(120), 1_000, 4);
    expect(t).toMatchObject({ context: 'prod', state: 'healthy', unreachable: false, leader: 'n1', term: 3, commitIndex: 120, appliedIndex: 119, worstLag: 3, voters: 3, quorum: 2, failureTolerance: 1, problem: null, checkedAt: 1_000, answeredAt: 1_000, polls: 1 });
  });

  it('a stopped cluster: unreachable, with the reason its members gave once, and when it last answered', () => {
    const seen = answeredTile(pendingTile('gone'), healthy(), 1_000, 4);
    const t = answeredTile(seen, stopped(), 2_000, 1);
    expect(t).toMatchObject({ state: 'unavailable', unreachable: true, leader: null, term: null, commitIndex: null, problem: 'unreachable: connection refused', checkedAt: 2_000, answeredAt: 1_000, polls: 2 });
  });

  it('the worst state counts only clusters asked so far', () => {
    const a = answeredTile(pendingTile('a'), healthy(), 1, 1);
    expect(worstState([a, pendingTile('b')])).toBe('healthy');
    expect(worstState([a, answeredTile(pendingTile('b'), stopped(), 1, 1)])).toBe('unavailable');
  });
});

describe('ContextsTopViewModel', () => {
  it('polls every cluster on its own: one that hangs shows as unreachable at its deadline while the others keep refreshing', async () => {
    const clock = new FakeClock();
    let commit = 100;
    const a = new FakeContext('a', () => healthy(commit));
    const b = new FakeContext('b', () => healthy());
    const c = new FakeContext('c', stopped);
    c.hang = true;
    const vm = new ContextsTopViewModel({ contexts: [a, b, c], intervalMs: 1_000, deadlineMs: 3_000, clock });
    vm.start();
    await clock.advance(0);
    expect(vm.getState().contexts.map((t) => t.polls)).toEqual([1, 1, 0]);

    // Three intervals pass while c still hangs: a and b were polled every second.
    commit = 130;
    await clock.advance(2_000);
    const mid = vm.getState();
    expect(mid.contexts.map((t) => t.polls)).toEqual([3, 3, 0]);
    expect(mid.contexts[0]!.commitIndex).toBe(130);
    expect(mid.at).toBe(clock.t);

    await clock.advance(1_000);
    const late = vm.getState().contexts[2]!;
    expect(late).toMatchObject({ unreachable: true, state: 'unavailable', polls: 1, answeredAt: null });
    expect(late.problem).toMatch(/^unreachable: no answer within 3000 ms/);
    // Never two polls of c at once, though its call outlived the deadline.
    expect(c.calls).toBe(1);
    c.release();
    await vm.stop();
  });

  it('a context that cannot be asked (an error) is one tile in trouble, asked again next interval', async () => {
    const clock = new FakeClock();
    const a = new FakeContext('a', () => healthy());
    a.fail = 'token file /x: no such file';
    const vm = new ContextsTopViewModel({ contexts: [a], intervalMs: 500, deadlineMs: 1_000, clock });
    await vm.pollOnce();
    expect(vm.getState().contexts[0]).toMatchObject({ unreachable: true, problem: 'unreachable: token file /x: no such file' });
    a.fail = null;
    vm.start();
    await clock.advance(500);
    expect(vm.getState().contexts[0]).toMatchObject({ unreachable: false, state: 'healthy', problem: null });
    await vm.stop();
  });

  it('pause stops every poller; resume polls at once; subscribers hear of every change', async () => {
    const clock = new FakeClock();
    const a = new FakeContext('a', () => healthy());
    const b = new FakeContext('b', () => healthy());
    const vm = new ContextsTopViewModel({ contexts: [a, b], intervalMs: 1_000, deadlineMs: 1_000, clock });
    let heard = 0;
    vm.subscribe(() => heard++);
    vm.start();
    await clock.advance(0);
    vm.togglePause();
    expect(vm.getState().paused).toBe(true);
    await clock.advance(5_000);
    expect([a.calls, b.calls]).toEqual([1, 1]);
    vm.togglePause();
    await clock.advance(0);
    expect([a.calls, b.calls]).toEqual([2, 2]);
    expect(heard).toBe(2 + 1 + 1 + 2);
    await vm.stop();
  });
});
