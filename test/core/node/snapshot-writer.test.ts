/**
 * SnapshotWriter (snapshot-writer.ts) driven alone: a member stand-in on the fake runtime whose
 * image steps each take 2 ms of its clock, and a storage stand-in that records what is written,
 * settled, committed and abandoned. What it promises: an image is written in slices with a turn
 * of the event loop between them; a failure commits nothing and compacts nothing; one snapshot is
 * written at a time, and a request that meets one in progress waits for it and takes it if it
 * covers what was applied when asked.
 */
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/core/node/api.js';
import type { MachineImage, RestoredImage } from '../../../src/core/node/node-types.js';
import type { NodeRuntime } from '../../../src/core/node/runtime.js';
import { IMAGE_DUTY, MAX_SNAPSHOT_STRETCH } from '../../../src/core/node/snapshots/snapshot-policy.js';
import { SnapshotWriter } from '../../../src/core/node/snapshots/snapshot-writer.js';
import type { NodeStorage, SnapshotSink } from '../../../src/core/node/storage-port.js';
import type { SnapshotMeta } from '../../../src/core/raft/index.js';
import { fakeRuntime, recordingLogger } from './fake-runtime.js';
import { fakeDisk } from './helpers.js';

/** Monotonic ms each image step takes: two steps fill the writer's 4 ms slice. */
const STEP_MS = 2;

/** A member at applied index 10 of term 2 whose image has `steps` steps (`failAtStep` fails one, once); `log` tells what happened, in order. */
function member(steps = 6, startedFrom?: RestoredImage) {
  const f = fakeRuntime(0);
  const log: string[] = [];
  const logger = recordingLogger();
  const state = { applied: 10, generation: 0, stopped: false, failAtStep: undefined as number | undefined, commitFails: false, onStep: (_i: number) => undefined as void };
  const committed: { index: number; term: number; path: string; bytes: number; data: number[] }[] = [];
  const compacted: SnapshotMeta[] = [];
  const observed: number[] = [];
  const rt: NodeRuntime = { ...f.rt, setImmediate: (fn) => (log.push('yield'), f.rt.setImmediate(fn)) };
  const storage: NodeStorage = {
    ...fakeDisk({ entries: [], members: new Map() }, () => Promise.resolve()),
    beginSnapshot: (meta): SnapshotSink => {
      log.push(`begin ${meta.index}`);
      const data: number[] = [];
      let done = false;
      return {
        write: (b, offset) => b.forEach((x, i) => (data[offset + i] = x)),
        settle: () => (log.push('settle'), Promise.resolve()),
        commit: (length) => {
          log.push(`commit ${meta.index}`);
          if (state.commitFails) return Promise.reject(new Error('EIO: the disk failed the rename'));
          done = true;
          const path = `/data/snap-${meta.index}`;
          committed.push({ index: meta.index, term: meta.term, path, bytes: length, data: data.slice(0, length) });
          return Promise.resolve(path);
        },
        abort: () => void (done || log.push(`abort ${meta.index}`)),
      };
    },
    latestSnapshot: () => Promise.resolve(committed.at(-1)),
  };
  const image = (): MachineImage => {
    const index = state.applied;
    return {
      index,
      *steps(write) {
        for (let i = 0; i < steps; i++) {
          if (state.failAtStep === i) {
            state.failAtStep = undefined;
            throw new Error(`image step ${i} failed`);
          }
          write(Uint8Array.of(i), i);
          f.advance(STEP_MS);
          log.push(`step ${i}`);
          state.onStep(i);
          yield;
        }
      },
      finish: (write) => (write(Uint8Array.of(255), steps), steps + 1),
    };
  };
  const writer = new SnapshotWriter({
    rt,
    storage,
    logger,
    observer: { onSnapshot: (bytes) => void observed.push(bytes) },
    appliedIndex: () => state.applied,
    appliedTerm: () => 2,
    confState: () => ({ voters: ['n1'], learners: [] }),
    beginImage: image,
    generation: () => state.generation,
    stopped: () => state.stopped,
    compact: (meta) => void compacted.push(meta),
    timed: (_name, fn) => fn(),
  }, startedFrom);
  return { f, log, logger, state, committed, compacted, observed, writer };
}

/** Lets pending promise callbacks run, without running the queued `setImmediate` turns. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('SnapshotWriter', () => {
  it('writes the image in 4 ms slices, settling the sink and yielding a turn between them, then commits and compacts', async () => {
    const { f, log, logger, committed, compacted, observed, writer } = member();
    const taken = writer.take();
    await microtasks();
    // One slice written, then the loop's turn is awaited: nothing more until it comes.
    expect(log).toEqual(['begin 10', 'step 0', 'step 1', 'settle', 'yield']);
    expect(f.immediates()).toBe(1);
    await f.flush();
    await expect(taken).resolves.toEqual({ index: 10, term: 2, bytes: 7, path: '/data/snap-10' });
    expect(log).toEqual(['begin 10', 'step 0', 'step 1', 'settle', 'yield', 'step 2', 'step 3', 'settle', 'yield', 'step 4', 'step 5', 'settle', 'yield', 'commit 10']);
    expect(committed).toEqual([{ index: 10, term: 2, path: '/data/snap-10', bytes: 7, data: [0, 1, 2, 3, 4, 5, 255] }]);
    expect(compacted).toEqual([{ index: 10, term: 2, conf: { voters: ['n1'], learners: [] } }]);
    expect(writer.taken).toBe(1);
    expect(observed).toEqual([7]);
    // Six steps of 2 ms: the image's work, which the time rule weighs (snapshot-policy.ts).
    expect(logger.lines).toEqual([{ level: 'info', obj: { index: 10, term: 2, bytes: 7, workMs: 12 }, msg: 'snapshot taken' }]);
  });

  it('weighs a restarted member\'s log against the image it started from, and times its first image by that image\'s restore', async () => {
    const { f, committed, writer } = member(6, { bytes: 1e6, restoreMs: 5 });
    for (let i = 0; i < 5_000; i++) writer.counted(100);
    writer.maybeTake(500);
    await f.flush();
    // 500 KB of log against a 1 MB image, and no time passed: not yet (before, a restarted member
    // counted from 0 bytes and imaged its state again while it caught up).
    expect(committed).toHaveLength(0);
    // The restore took 5 ms: the time rule's wait is IMAGE_DUTY times that.
    f.advance(5 * IMAGE_DUTY * MAX_SNAPSHOT_STRETCH);
    writer.maybeTake(500);
    await f.flush();
    expect(committed).toHaveLength(1);
  });

  it('takes the next image by time once IMAGE_DUTY times the last one\'s work has passed, though the log is smaller than the state', async () => {
    const { f, state, committed, writer } = member();
    await Promise.all([writer.take(), f.flush()]);
    // A snapshot of 1 GB from the leader replaced the state: the byte rule alone would wait for 1 GB of log.
    writer.installed(1e9);
    for (let i = 0; i < 800; i++) writer.counted(1);
    state.applied = 20;
    writer.maybeTake(500);
    await f.flush();
    expect(committed).toHaveLength(1);
    // The last image took 12 ms of steps; the wait runs from the install.
    f.advance(12 * IMAGE_DUTY * MAX_SNAPSHOT_STRETCH);
    writer.maybeTake(500);
    await f.flush();
    expect(committed.map((c) => c.index)).toEqual([10, 20]);
  });

  it('leaves no half-written snapshot when a step fails: the sink is abandoned, nothing committed or compacted', async () => {
    const { f, log, state, committed, compacted, writer } = member();
    state.failAtStep = 3;
    const taken = writer.take().catch((e: unknown) => e);
    await f.flush();
    expect(await taken).toMatchObject({ message: 'image step 3 failed' });
    expect(log.filter((l) => !l.startsWith('step') && l !== 'settle' && l !== 'yield')).toEqual(['begin 10', 'abort 10']);
    expect(committed).toEqual([]);
    expect(compacted).toEqual([]);
    expect(writer.taken).toBe(0);
    // The writer is free again: the next request writes a whole snapshot.
    const next = writer.take();
    await f.flush();
    await expect(next).resolves.toMatchObject({ index: 10, bytes: 7 });
    expect(compacted).toHaveLength(1);
  });

  it('abandons the image when the commit fails, and compacts nothing', async () => {
    const { f, log, state, compacted, writer } = member();
    state.commitFails = true;
    const taken = writer.take().catch((e: unknown) => e);
    await f.flush();
    expect(await taken).toMatchObject({ message: 'EIO: the disk failed the rename' });
    expect(log.slice(-2)).toEqual(['commit 10', 'abort 10']);
    expect(compacted).toEqual([]);
    expect(writer.taken).toBe(0);
  });

  it('commits nothing when a snapshot from the leader replaced the state, or the member stopped, while the image was written', async () => {
    for (const what of ['replaced', 'stopped'] as const) {
      const { f, log, state, committed, compacted, writer } = member();
      state.onStep = (i) => {
        if (i !== 2) return;
        if (what === 'replaced') state.generation++;
        else state.stopped = true;
      };
      const taken = writer.take().catch((e: unknown) => e);
      await f.flush();
      const err = await taken;
      expect(err, what).toBeInstanceOf(NodeError);
      expect(err, what).toMatchObject({ code: 'UNAVAILABLE' });
      expect(log.at(-1), what).toBe('abort 10');
      expect(committed, what).toEqual([]);
      expect(compacted, what).toEqual([]);
    }
  });

  it('writes one at a time: a request that meets one in progress waits for it, and takes it when it covers what was applied when asked', async () => {
    const { f, log, writer, state } = member();
    const first = writer.take();
    await microtasks();
    expect(log.at(-1)).toBe('yield');
    // Asked at applied index 10 while the image of 10 is being written; more is applied meanwhile.
    const second = writer.take();
    state.applied = 12;
    // The automatic snapshot does not start a second write either.
    writer.maybeTake(0);
    await f.flush();
    const a = await first;
    await expect(second).resolves.toEqual(a);
    expect(log.filter((l) => l.startsWith('begin') || l.startsWith('commit'))).toEqual(['begin 10', 'commit 10']);
  });

  it('writes one snapshot for two requests made in the same turn, before either has begun', async () => {
    const { f, log, writer } = member();
    // Both look for the newest snapshot before either starts writing: the second must find the first under way.
    const both = Promise.all([writer.take(), writer.take()]);
    await f.flush();
    const [a, b] = await both;
    expect(b).toEqual(a);
    expect(log.filter((l) => l.startsWith('begin') || l.startsWith('commit'))).toEqual(['begin 10', 'commit 10']);
    expect(writer.taken).toBe(1);
  });

  it('writes a new snapshot after the one in progress when the request was asked past it, never two at once', async () => {
    const { f, log, writer, state, committed } = member();
    const first = writer.take();
    await microtasks();
    state.applied = 12;
    const second = writer.take();
    await f.flush();
    await expect(first).resolves.toMatchObject({ index: 10 });
    await expect(second).resolves.toMatchObject({ index: 12, path: '/data/snap-12' });
    expect(log.filter((l) => l.startsWith('begin') || l.startsWith('commit'))).toEqual(['begin 10', 'commit 10', 'begin 12', 'commit 12']);
    expect(committed.map((c) => c.index)).toEqual([10, 12]);
    expect(writer.taken).toBe(2);
  });

  it('writes a snapshot of its own for a request that waited on one that failed', async () => {
    const { f, log, state, writer } = member();
    state.failAtStep = 3;
    const first = writer.take().catch((e: unknown) => e);
    await microtasks();
    const second = writer.take();
    await f.flush();
    expect(await first).toMatchObject({ message: 'image step 3 failed' });
    await expect(second).resolves.toMatchObject({ index: 10, bytes: 7 });
    expect(log.filter((l) => /^(begin|commit|abort)/.test(l))).toEqual(['begin 10', 'abort 10', 'begin 10', 'commit 10']);
  });

  it('answers with the newest snapshot, writing none, when nothing was applied since it', async () => {
    const { f, log, writer } = member();
    await Promise.all([writer.take(), f.flush()]);
    log.length = 0;
    const again = writer.take();
    await f.flush();
    await expect(again).resolves.toEqual({ index: 10, term: 2, bytes: 7, path: '/data/snap-10' });
    expect(log).toEqual([]);
    expect(writer.taken).toBe(1);
  });

  it('takes one automatically once enough is applied, and logs a failure instead of throwing it', async () => {
    const { f, log, logger, state, writer } = member();
    writer.counted(100);
    writer.maybeTake(2);
    await f.flush();
    expect(log).toEqual([]);
    writer.counted(100);
    writer.maybeTake(2);
    await f.flush();
    expect(writer.taken).toBe(1);
    // The next is due after two more entries and as many log bytes as the 7-byte snapshot.
    state.applied = 12;
    state.failAtStep = 0;
    writer.counted(3);
    writer.counted(3);
    writer.maybeTake(2);
    await f.flush();
    expect(log.filter((l) => l.startsWith('begin'))).toEqual(['begin 10']);
    writer.counted(1);
    writer.maybeTake(2);
    await f.flush();
    expect(log.filter((l) => l.startsWith('begin'))).toEqual(['begin 10', 'begin 12']);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['snapshot failed']);
    expect(writer.taken).toBe(1);
  });
});
