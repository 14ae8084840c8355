/**
 * A member whose disk refuses its log writes for want of space. First the policy (out-of-space.ts)
 * driven alone, on the fake runtime with a member stand-in: the states it passes through, what it
 * logs, when it hands leadership off and how it refuses writes. Then a whole member (ENOSPC
 * injected into a real storage): it acknowledges nothing it has not stored, refuses what it cannot
 * serve with one clear line, does not stop, and goes on by itself once the disk takes writes again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src/core/fleet/index.js';
import { NodeError } from '../../../src/core/node/api.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import { OutOfSpace } from '../../../src/core/node/health/out-of-space.js';
import type { PeerSender } from '../../../src/core/node/fleet-node.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';
import type { Entry, Message } from '../../../src/core/raft/types.js';
import { RaftStorage } from '../../../src/core/storage/raft-storage.js';
import { deferred, fakeRuntime, recordingLogger, type Deferred } from './fake-runtime.js';
import { fakeDisk } from './helpers.js';

const logged: { level: string; msg: string }[] = [];
const logger = {
  info: (_: object, msg: string) => void logged.push({ level: 'info', msg }),
  warn: (_: object, msg: string) => void logged.push({ level: 'warn', msg }),
  error: (_: object, msg: string) => void logged.push({ level: 'error', msg }),
  debug() {},
};

/** A real storage in a fresh directory whose writes fail with ENOSPC while `disk.full`. */
async function fillableStorage(disk: { full: boolean }): Promise<NodeStorage> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-node-space-'));
  dirs.push(dir);
  let listener: (err: Error) => void = () => undefined;
  const { storage } = await RaftStorage.open(dir, {
    preallocate: false,
    onOutOfSpace: (err) => listener(err),
    unsafe: {
      beforeWrite: () => {
        if (disk.full) throw Object.assign(new Error('ENOSPC: no space left on device, write (injected)'), { code: 'ENOSPC' });
      },
    },
  });
  return {
    recovered: { entries: [], members: new Map() },
    persist: (batch, sync) => storage.persist(batch, { sync }),
    installSnapshot: (meta, data) => storage.installSnapshot(meta, data),
    beginSnapshot: () => {
      throw new Error('unused');
    },
    latestSnapshot: () => Promise.resolve(undefined),
    readLatestSnapshot: () => Promise.resolve(undefined),
    saveMembers: () => Promise.resolve(),
    close: () => storage.close(),
    onOutOfSpace: (l) => (listener = l),
    retryWrites: () => storage.retryWrites(),
  };
}

function kvPutEntry(index: number): Entry {
  const op = { type: 'kv.put', ns: 'default', key: `k${index}`, value: 'v' };
  return { term: 1, index, type: 'normal', data: encodeCommand({ clientId: 'c', seq: index, firstIncomplete: index, time: 1, op } as never) };
}

function append(entries: Entry[], prevIndex: number, commit: number): Message {
  return { type: 'app', from: 'n2', to: 'n1', term: 1, logTerm: 1, index: prevIndex, entries, commit, reject: false, rejectHint: 0 };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let node: FleetMember | undefined;
let storage: NodeStorage | undefined;
const dirs: string[] = [];
afterEach(async () => {
  node?.stop();
  await storage?.close().catch(() => undefined);
  node = storage = undefined;
  logged.length = 0;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const never = (err: Error): void => {
  throw err;
};

/**
 * The policy on a member stand-in whose role, transfer target and storage the test sets: the
 * storage reports a refused write through `refuse`, and its retries succeed once `space` is true.
 * Each leadership transfer asked for waits on a promise the test settles.
 */
function policyHost() {
  const f = fakeRuntime();
  const logger = recordingLogger();
  const state = { leader: false, stopped: false, target: 'n2' as string | undefined, transferring: false, space: false, retries: 0, resumed: 0 };
  const transfers: { to: string; done: Deferred<object> }[] = [];
  let refuse: (err: Error) => void = () => undefined;
  const storage: NodeStorage = {
    ...fakeDisk({ entries: [], members: new Map() }, () => Promise.resolve()),
    onOutOfSpace: (l) => (refuse = l),
    retryWrites: () => (state.retries++, Promise.resolve(state.space)),
  };
  const policy = new OutOfSpace({
    id: 'n1',
    rt: f.rt,
    logger,
    storage,
    isLeader: () => state.leader,
    stopped: () => state.stopped,
    bestTransferTarget: () => state.target,
    transferring: () => state.transferring,
    transferLeadership: (to) => {
      const done = deferred<object>();
      transfers.push({ to, done });
      return done.promise;
    },
    resume: () => void state.resumed++,
  });
  /** Moves the clock by `ms`, firing the retry due (the next is armed once it has finished), and lets it finish. */
  const advance = async (ms: number) => {
    f.advance(ms);
    await f.flush();
  };
  const said = () => logger.lines.map((l) => `${l.level}: ${l.msg}`);
  return { f, state, policy, transfers, refuse: (err: Error) => refuse(err), advance, said };
}

const ENOSPC = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });

describe('OutOfSpace, the policy alone', () => {
  it('goes from space to full when the storage refuses a write, retries on a back-off, and back once a retry goes through', async () => {
    const { f, state, policy, refuse, advance, said } = policyHost();
    expect(policy.full).toBe(false);
    expect(policy.since).toBeUndefined();
    f.advance(500);
    refuse(ENOSPC());
    expect(policy.full).toBe(true);
    expect(policy.since).toBe(500);
    expect(said()).toEqual(['error: out of space: this member stops appending until space is freed on its disk']);
    // A second refusal in the same spell is not news.
    refuse(ENOSPC());
    expect(said()).toHaveLength(1);
    // Retries 100 ms and then 200 ms later find the disk still full; the member does not resume.
    await advance(100);
    await advance(200);
    expect(state.retries).toBe(2);
    expect(policy.full).toBe(true);
    expect(state.resumed).toBe(0);
    state.space = true;
    await advance(400);
    expect(state.retries).toBe(3);
    expect(policy.full).toBe(false);
    expect(policy.since).toBeUndefined();
    expect(state.resumed).toBe(1);
    expect(said().slice(1)).toEqual(['info: space freed: this member appends again']);
    expect(f.armed()).toBe(0);
  });

  it('as a follower hands nothing off; as the leader hands off to the best caught-up voter, once at a time, and again after a failed attempt', async () => {
    const follower = policyHost();
    follower.refuse(ENOSPC());
    await follower.advance(1_000);
    expect(follower.transfers).toEqual([]);

    const { state, policy, transfers, refuse, advance, said } = policyHost();
    state.leader = true;
    refuse(ENOSPC());
    expect(transfers.map((t) => t.to)).toEqual(['n2']);
    // Under way: writes are refused as retryable elsewhere, and the retries start no second hand-off.
    expect(policy.writeError()).toMatchObject({ code: 'UNAVAILABLE', reason: 'handing-off', message: 'out of space on member n1: handing leadership to another member; retry' });
    await advance(1_000);
    expect(transfers).toHaveLength(1);
    transfers[0]!.done.reject(new Error('n2 did not catch up in time'));
    await advance(0);
    expect(said()).toContain('warn: could not hand leadership off while out of space; will retry');
    // The next retry that finds the disk full tries again.
    state.target = 'n3';
    await advance(2_000);
    expect(transfers.map((t) => t.to)).toEqual(['n2', 'n3']);
    transfers[1]!.done.resolve({ to: 'n3' });
    await advance(0);
    expect(said()).toContain('info: handed leadership off: this member is out of space');
  });

  it('as a leader with no voter to take over refuses writes as OUT_OF_SPACE and says so once a spell, not at every retry', async () => {
    const { state, policy, transfers, refuse, advance, said } = policyHost();
    state.leader = true;
    state.target = undefined;
    refuse(ENOSPC());
    await advance(5_000);
    expect(transfers).toEqual([]);
    const err = policy.writeError();
    expect(err).toBeInstanceOf(NodeError);
    expect(err).toMatchObject({ code: 'OUT_OF_SPACE', reason: 'out-of-space' });
    const noTarget = () => said().filter((l) => l.includes('no healthy voter to hand leadership to'));
    expect(noTarget()).toHaveLength(1);
    // A transfer the Raft core has under way (an operator's) makes the refusal retryable.
    state.transferring = true;
    expect(policy.writeError()).toMatchObject({ code: 'UNAVAILABLE', reason: 'handing-off' });
    state.transferring = false;
    // Space, then a new spell: said again, once.
    state.space = true;
    await advance(2_000);
    expect(policy.full).toBe(false);
    state.space = false;
    refuse(ENOSPC());
    await advance(5_000);
    expect(noTarget()).toHaveLength(2);
  });

  it('once stopped, retries nothing and hands nothing off', async () => {
    const { f, state, policy, transfers, refuse, advance } = policyHost();
    state.leader = true;
    state.stopped = true;
    refuse(ENOSPC());
    expect(transfers).toEqual([]);
    policy.stop();
    expect(f.armed()).toBe(0);
    state.space = true;
    await advance(5_000);
    expect(state.retries).toBe(0);
    expect(state.resumed).toBe(0);
  });
});

describe('a member whose disk is full', () => {
  it('as a follower: acknowledges nothing it has not stored, drops further appends, serves only reads it can, and resumes once there is space', async () => {
    const disk = { full: false };
    storage = await fillableStorage(disk);
    const founders = new Map([['n1', '127.0.0.1:1'], ['n2', '127.0.0.1:2'], ['n3', '127.0.0.1:3']]);
    node = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: 1_000, electionTimeoutMs: 60_000, snapshotEvery: 1_000_000, storage, logger, version: 'test' });
    const acks: Message[] = [];
    const transport: PeerSender = { send: (ms) => acks.push(...ms.filter((m) => m.type === 'app-resp')), setPeers() {} };
    node.start(transport, never);
    const base = node.status().lastIndex;
    await until(() => node!.status().appliedIndex === base, 'the founding entries applied');
    node.step(append([kvPutEntry(base + 1)], base, base + 1));
    await until(() => acks.length === 1 && node!.status().appliedIndex === base + 1, 'the first entry acknowledged and applied');

    disk.full = true;
    node.step(append([kvPutEntry(base + 2)], base + 1, base + 1));
    await until(() => node!.status().storage === 'out-of-space', 'the member to report out of space');
    // Not stored, not acknowledged; and what comes next is not taken in at all.
    node.step(append([kvPutEntry(base + 3)], base + 2, base + 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(acks).toHaveLength(1);
    expect(node.status().lastIndex).toBe(base + 2);
    expect(logged.some((l) => l.level === 'error' && /^out of space: this member stops appending/.test(l.msg))).toBe(true);
    // Reads: what it has applied it serves; what needs it to be current it refuses, saying why.
    await expect(node.read({ mode: 'min-index', index: base + 1 }, (sm) => sm.appliedIndex)).resolves.toMatchObject({ value: base + 1 });
    const refused = await node.read({ mode: 'linearizable' }, () => 0).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeError);
    expect((refused as NodeError).message).toMatch(/^out of space on member n1: it applies nothing new until space is freed on its disk; read from another member$/);
    await expect(node.read({ mode: 'min-index', index: base + 2 }, () => 0)).rejects.toThrow(/applied only up to index/);

    disk.full = false;
    await until(() => node!.status().storage === 'ok', 'the member to find space again');
    await until(() => acks.length === 2, 'the held entry acknowledged');
    expect(acks[1]).toMatchObject({ index: base + 2, reject: false });
    expect(logged.some((l) => l.level === 'info' && /^space freed: this member appends again$/.test(l.msg))).toBe(true);
    node.step(append([kvPutEntry(base + 3)], base + 2, base + 3));
    await until(() => node!.status().appliedIndex === base + 3, 'the next entry applied');
  });

  it('as the only voter: refuses writes with OUT_OF_SPACE naming itself, answers the held ones once there is space, and writes again', async () => {
    const disk = { full: false };
    storage = await fillableStorage(disk);
    node = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders: new Map([['n1', '127.0.0.1:1']]), heartbeatMs: 20, electionTimeoutMs: 100, snapshotEvery: 1_000_000, storage, logger, version: 'test' });
    node.start({ send() {}, setPeers() {} }, never);
    const put = (seq: number) => node!.write({ clientId: 'c', seq, firstIncomplete: seq, op: { type: 'kv.put', ns: '', key: `k${seq}`, value: 'v' } });
    await until(() => node!.status().role === 'leader', 'leadership');
    await put(1);

    disk.full = true;
    const held = put(2);
    await until(() => node!.status().storage === 'out-of-space', 'the member to report out of space');
    const refused = await put(3).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeError);
    expect(refused).toMatchObject({ code: 'OUT_OF_SPACE' });
    expect((refused as Error).message).toBe('out of space on member n1: its disk is full and no caught-up voter can take over; writes resume once space is freed there');
    // Retried on a back-off (100, 200 ms, …): the member says once that nobody can take over, not at every retry.
    const noTakeover = () => logged.filter((l) => /no healthy voter to hand leadership to/.test(l.msg));
    await until(() => noTakeover().length > 0, 'the member to say nobody can take over');
    // Two more retries (200 and 400 ms later) say nothing new.
    await new Promise((r) => setTimeout(r, 700));
    expect(noTakeover()).toHaveLength(1);

    disk.full = false;
    await expect(held).resolves.toMatchObject({ ok: true });
    expect(node.status().storage).toBe('ok');
    await expect(put(3)).resolves.toMatchObject({ ok: true });
  });
});
