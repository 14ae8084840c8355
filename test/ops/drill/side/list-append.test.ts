import { describe, expect, it } from 'vitest';
import { FleetClientError } from '../../../../src/client/index.js';
import { monotonicClock, pause } from '../../../../src/ops/drill/clock.js';
import { checkListAppend, createListAppendWorkload, type ListClient } from '../../../../src/ops/drill/side/list-append.js';
import type { SideOp, SideWorkloadOptions } from '../../../../src/ops/drill/side/types.js';
import type { Outcome } from '../../../../src/ops/drill/types.js';

const LIST = 'r1/list-0';
const MS = 1e6;

function append(value: string, outcome: Outcome, startMs: number, endMs: number, key = LIST): SideOp {
  return { client: 0, f: 'append', key, input: value, output: null, outcome, startNs: startMs * MS, endNs: endMs * MS };
}

function read(output: unknown, startMs: number, endMs: number, key = LIST): SideOp {
  return { client: 1, f: 'read', key, input: null, output, outcome: 'ok', startNs: startMs * MS, endNs: endMs * MS };
}

function finals(elements: readonly string[]): Map<string, readonly string[]> {
  return new Map([[LIST, elements]]);
}

describe('checkListAppend', () => {
  const a = append('1.0.0', 'ok', 0, 1);
  const b = append('1.0.1', 'ok', 2, 3);

  it('passes a clean history, whether an unknown append applied or not', () => {
    const applied = append('1.2.0', 'info', 4, 5);
    const notApplied = append('1.2.1', 'info', 6, 7);
    const refused = append('1.2.2', 'fail', 6, 7);
    const ops = [a, b, applied, notApplied, refused, read(['1.0.0'], 1.5, 1.6), read(['1.0.0', '1.0.1', '1.2.0'], 8, 9)];
    const result = checkListAppend(ops, finals(['1.0.0', '1.0.1', '1.2.0']));
    expect(result).toEqual({ ok: true, detail: '1 lists, 2 appends acknowledged, 0 lost, 0 duplicated, 0 reordered' });
  });

  it('lets concurrent appends land in either order', () => {
    const long = append('1.0.0', 'ok', 0, 10);
    const short = append('1.1.0', 'ok', 2, 3);
    expect(checkListAppend([long, short], finals(['1.1.0', '1.0.0'])).ok).toBe(true);
    expect(checkListAppend([long, short], finals(['1.0.0', '1.1.0'])).ok).toBe(true);
  });

  it('finds an acknowledged append missing from the final list', () => {
    const result = checkListAppend([a, b], finals(['1.0.0']));
    expect(result.ok).toBe(false);
    expect(result.anomaly).toEqual({ summary: 'append 1.0.1 to r1/list-0 was acknowledged at 3 ms but is not in the final list', ops: [b] });
    expect(result.detail).toBe(result.anomaly?.summary);
  });

  it('finds a refused append that applied, in the final list or in a read', () => {
    const refused = append('1.1.0', 'fail', 4, 5);
    const inFinal = checkListAppend([a, refused], finals(['1.0.0', '1.1.0'])).anomaly;
    expect(inFinal).toEqual({ summary: 'append 1.1.0 to r1/list-0 was refused at 5 ms but is in the final list', ops: [refused] });

    const sawIt = read(['1.0.0', '1.1.0'], 6, 7);
    const anomaly = checkListAppend([a, refused, sawIt, read(['1.0.0'], 8, 9)], finals(['1.0.0'])).anomaly;
    expect(anomaly?.ops).toEqual([refused, sawIt]);
    expect(anomaly?.summary).toContain('refused');
  });

  it('finds a value twice in the final list or in a read', () => {
    expect(checkListAppend([a, b], finals(['1.0.0', '1.0.1', '1.0.0'])).anomaly).toEqual({ summary: '1.0.0 is twice in the final list of r1/list-0', ops: [a] });

    const doubled = read(['1.0.0', '1.0.0'], 4, 5);
    const anomaly = checkListAppend([a, b, doubled], finals(['1.0.0', '1.0.1'])).anomaly;
    expect(anomaly?.ops).toEqual([a, doubled]);
    expect(anomaly?.summary).toContain('twice');
  });

  it('finds an element that no append wrote', () => {
    const inFinal = checkListAppend([a], finals(['1.0.0', 'intruder'])).anomaly;
    expect(inFinal).toEqual({ summary: 'the final list of r1/list-0 holds intruder, which no append wrote to it', ops: [] });

    // Appended, but to another list.
    const elsewhere = append('1.3.0', 'info', 0, 1, 'r1/list-1');
    const saw = read(['1.0.0', '1.3.0'], 4, 5);
    const anomaly = checkListAppend([a, elsewhere, saw], new Map([[LIST, ['1.0.0']], ['r1/list-1', []]])).anomaly;
    expect(anomaly?.ops).toEqual([saw]);
    expect(anomaly?.summary).toContain('which no append wrote to it');
  });

  it('finds a value that is not a list of strings', () => {
    const garbage = read('{"not":"a list"}', 4, 5);
    const anomaly = checkListAppend([a, garbage], finals(['1.0.0'])).anomaly;
    expect(anomaly?.ops).toEqual([garbage]);
    expect(anomaly?.summary).toContain('not a JSON list of strings');
  });

  it('finds a read that is not a prefix of the final list', () => {
    const skipped = read(['1.0.1'], 4, 5);
    const anomaly = checkListAppend([a, b, skipped], finals(['1.0.0', '1.0.1'])).anomaly;
    expect(anomaly?.ops).toEqual([skipped]);
    expect(anomaly?.summary).toBe('the read of r1/list-0 at 4 ms is not a prefix of the final list: its element 1 is 1.0.1, where the final list holds 1.0.0');
  });

  it('finds appends ordered against real time', () => {
    const c = append('1.0.2', 'ok', 4, 5);
    const result = checkListAppend([a, b, c], finals(['1.0.1', '1.0.0', '1.0.2']));
    expect(result.anomaly).toEqual({
      summary: 'append 1.0.0 to r1/list-0 completed at 1 ms, before append 1.0.1 began at 2 ms, but comes after it in the final list',
      ops: [a, b],
    });
  });

  it('reports the most serious anomaly first and counts the rest', () => {
    const result = checkListAppend([a, b], finals(['1.0.1', 'intruder']));
    expect(result.anomaly?.ops).toEqual([a]);
    expect(result.detail).toContain('not in the final list');
    expect(result.detail).toContain('2 anomalies: 1 lost');
  });
});

/** An in-memory store of lists shared by a fake's clients. */
class Store {
  readonly values = new Map<string, string>();
  opened = 0;
  closed = 0;
}

function casFailed(): FleetClientError {
  return new FleetClientError('precondition', 'the value differs', { code: 'CAS_FAILED' });
}

/** A correct list client: reads and compare-and-sets, each after a short random pause so clients interleave. */
function correctClient(store: Store, options: { unknownEvery?: number; onRetryAfterUnknown?: () => void } = {}): ListClient {
  store.opened++;
  let cases = 0;
  const unknown = new Set<string>();
  return {
    read: async (key) => {
      await pause(Math.random() * 2);
      return store.values.get(key) ?? null;
    },
    cas: async (key, expected, value) => {
      await pause(Math.random() * 2);
      const appended = (JSON.parse(value) as string[]).at(-1)!;
      if (unknown.has(appended)) options.onRetryAfterUnknown?.();
      if ((store.values.get(key) ?? null) !== expected) throw casFailed();
      store.values.set(key, value);
      // Applied, but the answer is lost: the workload cannot know whether it applied.
      if (options.unknownEvery !== undefined && ++cases % options.unknownEvery === 0) {
        unknown.add(appended);
        throw new FleetClientError('timeout', 'no answer');
      }
    },
    delete: async (key) => void store.values.delete(key),
    close: () => void store.closed++,
  };
}

/** The planted bug: a "compare-and-set" that ignores what it expects, after the same trip as a read (so read-modify-writes overlap). */
function blindPutClient(store: Store): ListClient {
  return {
    read: async (key) => {
      await pause(1);
      return store.values.get(key) ?? null;
    },
    cas: async (key, _expected, value) => {
      await pause(1);
      store.values.set(key, value);
    },
    delete: async (key) => void store.values.delete(key),
    close: () => undefined,
  };
}

/** A seeded uniform random in [0, 1) (mulberry32), so the workload's choices repeat. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function options(newClient: () => ListClient, clients = 4): SideWorkloadOptions<ListClient> {
  return { round: 1, clients, clock: monotonicClock(), prefix: 'run/r1', newClient, random: seeded(7) };
}

async function runFor(workload: ReturnType<typeof createListAppendWorkload>, ms: number): Promise<void> {
  await workload.start();
  await pause(ms);
  await workload.stop();
}

describe('the list-append workload', () => {
  it('passes against a correct cluster, and cleans up after itself', async () => {
    const store = new Store();
    const workload = createListAppendWorkload(options(() => correctClient(store)));
    await runFor(workload, 300);

    const verdict = await workload.verify();
    expect(verdict.check).toMatchObject({ name: 'list-append', ok: true, severity: 'safety' });
    expect(verdict.check.detail).toMatch(/^3 lists, \d+ appends acknowledged, 0 lost, 0 duplicated, 0 reordered$/);
    expect(verdict.acknowledged).toBeGreaterThan(0);
    expect(verdict.ops).toBeGreaterThan(verdict.acknowledged);
    expect(verdict.anomaly).toBeUndefined();
    expect([...store.values.keys()].sort()).toEqual(['run/r1/list-0', 'run/r1/list-1', 'run/r1/list-2']);
    // The workload's 4 clients and the read-back's.
    expect(store.closed).toBe(store.opened);

    await workload.cleanup();
    expect(store.values.size).toBe(0);
  });

  it('records an append whose answer was lost as unknown, and does not retry it', async () => {
    const store = new Store();
    let retriedAfterUnknown = false;
    const workload = createListAppendWorkload(options(() => correctClient(store, { unknownEvery: 3, onRetryAfterUnknown: () => (retriedAfterUnknown = true) })));
    await runFor(workload, 200);

    const verdict = await workload.verify();
    expect(verdict.check.ok).toBe(true);
    expect(verdict.indeterminate).toBeGreaterThan(0);
    expect(retriedAfterUnknown).toBe(false);
  });

  it('catches the planted bug: a compare-and-set that ignores what it expects loses appends', async () => {
    const store = new Store();
    const workload = createListAppendWorkload(options(() => blindPutClient(store)));
    await runFor(workload, 300);

    const verdict = await workload.verify();
    expect(verdict.check).toMatchObject({ ok: false, severity: 'safety' });
    expect(verdict.anomaly?.summary).toContain('not in the final list');
    expect(verdict.anomaly?.ops).toHaveLength(1);
  });

  it('reports a final value that is not a list', async () => {
    const store = new Store();
    store.values.set('run/r1/list-1', 'not json');
    const workload = createListAppendWorkload(options(() => correctClient(store), 0));
    await runFor(workload, 0);

    const verdict = await workload.verify();
    expect(verdict.check).toMatchObject({ ok: false, severity: 'safety', detail: 'the final value of run/r1/list-1 is "not json", not a JSON list of strings' });
  });

  it('misses its objective, not safety, when a list cannot be read back', async () => {
    const unreachable: ListClient = {
      read: () => Promise.reject(new FleetClientError('unavailable', 'no leader')),
      cas: () => Promise.reject(new FleetClientError('unavailable', 'no leader')),
      delete: () => Promise.resolve(),
      close: () => undefined,
    };
    const workload = createListAppendWorkload(options(() => unreachable, 0));
    await runFor(workload, 0);

    const verdict = await workload.verify();
    expect(verdict.check).toMatchObject({ ok: false, severity: 'slo', detail: 'could not read back run/r1/list-0: no leader' });
  });
});
