import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDrillService, type DrillProcess, type DrillServiceOptions } from '../../../src/core/server/admin/drill-service.js';
import { ClockSkew, DiskStall } from '../../../src/core/server/admin/drill-faults.js';
import { LinkDelays } from '../../../src/core/server/peer/link-delay.js';
import { AdminApiInjector } from '../../../src/ops/drill/remote-injector.js';
import { loadFleetProto } from '../../../src/proto/index.js';

/** A process that records what a drill did to it instead of doing it. */
function fakeProcess(): DrillProcess & { killed: number; frozen: number[] } {
  const p = { pid: 4242, killed: 0, frozen: [] as number[], kill: () => void p.killed++, freeze: (ms: number) => void p.frozen.push(ms), now: () => 1_000_000 };
  return p;
}

const running: { server: grpc.Server; close: () => void; injector: AdminApiInjector }[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.close();
    await r.injector.restoreAll();
    await new Promise<void>((resolve) => r.server.tryShutdown(() => resolve()));
  }
});

/** The Drills service of member n1 (peers n2, n3) on a loopback port, and an injector talking to it. */
async function serve(opts: Partial<DrillServiceOptions> = {}) {
  const proc = fakeProcess();
  const blocked = new Set<string>();
  const delays = new LinkDelays();
  const service = createDrillService({ enabled: true, memberId: 'n1', transport: { blocked, delays }, peers: () => ['n2', 'n3'], process: proc, ...opts });
  const server = new grpc.Server();
  server.addService(loadFleetProto().fleet.v1.Drills.service, service.handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const injector = new AdminApiInjector({ token: 'admin-secret' });
  running.push({ server, close: service.close, injector });
  return { proc, blocked, delays, injector, member: { id: 'n1', address: `127.0.0.1:${port}` }, service };
}

/** Resolves once `cond` holds (polled), so tests never sleep blindly. */
async function eventually(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('the Drills service', () => {
  it('partitions a member from its peers both ways and heals it', async () => {
    const { blocked, injector, member } = await serve();
    await injector.partition(member, ['n2'], 60_000);
    expect([...blocked]).toEqual(['n2']);
    await injector.heal(member);
    expect(blocked.size).toBe(0);
  });

  it('cuts a member off from everyone when no peers are named, and heals by itself', async () => {
    const { blocked, injector, member } = await serve();
    await injector.partition(member, [], 50);
    expect([...blocked].sort()).toEqual(['n2', 'n3']);
    await eventually(() => blocked.size === 0);
  });

  it('delays the links to the peers it is given, and ends the delays on heal or by itself', async () => {
    const { delays, injector, member } = await serve();
    await injector.delay(member, [{ peer: 'n2', delayMs: 40, jitterMs: 5, loss: 0 }], 60_000);
    expect(delays.peers()).toEqual(['n2']);
    await injector.heal(member);
    expect(delays.peers()).toEqual([]);
    await injector.delay(member, [{ peer: 'n3', delayMs: 40, jitterMs: 0, loss: 0.1 }], 50);
    expect(delays.peers()).toEqual(['n3']);
    await eventually(() => delays.peers().length === 0);
  });

  it('skews the member\'s wall clock and stalls its disk syncs, each ending on heal or by itself', async () => {
    const clock = new ClockSkew();
    const disk = new DiskStall();
    const { injector, member } = await serve({ clock, disk });
    await injector.skewClock(member, 30_000, 60_000);
    expect(clock.offsetMs).toBe(30_000);
    expect(clock.wallNow() - Date.now()).toBeGreaterThanOrEqual(29_990);
    await injector.stallDisk(member, 60_000);
    expect(disk.stalled).toBe(true);
    await injector.heal(member);
    expect([clock.offsetMs, disk.stalled]).toEqual([0, false]);
    await injector.skewClock(member, -5_000, 50);
    await injector.stallDisk(member, 50);
    expect([clock.offsetMs, disk.stalled]).toEqual([-5_000, true]);
    await eventually(() => clock.offsetMs === 0 && !disk.stalled);
  });

  it('refuses a clock skew of zero, beyond an hour or without a clock, and a disk stall beyond 60 s', async () => {
    const { injector, member } = await serve({ clock: new ClockSkew(), disk: new DiskStall() });
    await expect(injector.skewClock(member, 0, 1_000)).rejects.toThrow(/clock_offset_ms: must be a nonzero whole number/);
    await expect(injector.skewClock(member, 3_600_001, 1_000)).rejects.toThrow(/within ±3600000/);
    await expect(injector.stallDisk(member, 60_001)).rejects.toThrow(/duration_ms: must be between 1 and 60000/);
    const bare = await serve();
    await expect(bare.injector.skewClock(bare.member, 1_000, 1_000)).rejects.toThrow(/cannot skew its clock/);
    await expect(bare.injector.stallDisk(bare.member, 1_000)).rejects.toThrow(/cannot stall its disk/);
  });

  it('refuses a delay to an unknown peer, without any peer, or of more than 10 s', async () => {
    const { delays, injector, member } = await serve();
    await expect(injector.delay(member, [{ peer: 'n9', delayMs: 40, jitterMs: 0, loss: 0 }], 1_000)).rejects.toThrow(/n9 is not a member/);
    await expect(injector.delay(member, [], 1_000)).rejects.toThrow(/name at least one peer/);
    await expect(injector.delay(member, [{ peer: 'n2', delayMs: 10_001, jitterMs: 0, loss: 0 }], 1_000)).rejects.toThrow(/at most 10000 ms/);
    await expect(injector.delay(member, [{ peer: 'n2', delayMs: 40, jitterMs: 0, loss: 1.5 }], 1_000)).rejects.toThrow(/loss must be between 0 and 1/);
    expect(delays.peers()).toEqual([]);
  });

  it('kills and pauses the process only after answering', async () => {
    const { proc, injector, member } = await serve();
    await injector.kill(member);
    await eventually(() => proc.killed === 1);
    await injector.pause(member, 1_500);
    await eventually(() => proc.frozen.length === 1);
    expect(proc.frozen).toEqual([1_500]);
  });

  it('records each fault it injects in the audit log, best effort: a failed record fails nothing, a refused fault is not recorded', async () => {
    const records: { who: string; op: string; args: unknown; outcome: string }[] = [];
    let failing = false;
    const recordAudit = (by: { token: string }, op: string, args: unknown, outcome: string) => {
      if (failing) return Promise.reject(new Error('not the leader'));
      records.push({ who: by.token, op, args, outcome });
      return Promise.resolve();
    };
    const { injector, member, proc } = await serve({ adminToken: 'admin-secret', adminTokenName: 'chaos-team', recordAudit });
    await injector.partition(member, ['n2'], 60_000);
    await expect(injector.pause(member, 3_600_000)).rejects.toThrow(/duration_ms/);
    failing = true;
    await injector.kill(member);
    await eventually(() => proc.killed === 1);
    expect(records).toEqual([{ who: 'chaos-team', op: 'drill.fault', args: { member: 'n1', kind: 'DRILL_KIND_PARTITION', durationMs: 60_000, peers: ['n2'] }, outcome: 'injected' }]);
  });

  it('refuses everything unless the member runs with --enable-drills', async () => {
    const { proc, injector, member } = await serve({ enabled: false });
    await expect(injector.kill(member)).rejects.toThrow(/--enable-drills/);
    expect(proc.killed).toBe(0);
  });

  it('needs the admin token when the member has one', async () => {
    const { injector, member, blocked } = await serve({ adminToken: 'another-secret' });
    await expect(injector.partition(member, [], 1_000)).rejects.toThrow(/admin token/);
    expect(blocked.size).toBe(0);
  });

  it('refuses unknown peers and unbounded durations', async () => {
    const { injector, member, blocked } = await serve();
    await expect(injector.partition(member, ['n9'], 1_000)).rejects.toThrow(/n9 is not a member/);
    await expect(injector.pause(member, 3_600_000)).rejects.toThrow(/duration_ms/);
    expect(blocked.size).toBe(0);
  });

  it('heals whatever the drill left behind on restoreAll', async () => {
    const { injector, member, blocked } = await serve();
    await injector.partition(member, [], 60_000);
    await injector.restoreAll();
    expect(blocked.size).toBe(0);
  });
});
