/**
 * The registry's invariants, each broken on purpose: a handler that refuses after changing
 * something, sessions touched out of order or miscounted, an answer below a floor, a view's block
 * saved twice, a patch past the output, a reader past its data, an audit entry out of order.
 */
import { describe, expect, it } from 'vitest';
import { AuditLog, auditEntry } from '../../../src/core/fleet/audit-log.js';
import { ByteReader, ByteWriter } from '../../../src/core/fleet/byte-io.js';
import { ClusterTable, ClusterTableView } from '../../../src/core/fleet/cluster-table.js';
import { HANDLERS } from '../../../src/core/fleet/handlers/index.js';
import { fail, type Handler } from '../../../src/core/fleet/handlers/outcome.js';
import { SessionTable } from '../../../src/core/fleet/sessions.js';
import { SortedMap } from '../../../src/core/fleet/sorted-map.js';
import type { ApplyResult, CommandType } from '../../../src/core/fleet/types.js';
import { Harness } from '../fleet/harness.js';
import { expectInvariant } from './expect-invariant.js';

const answer: ApplyResult = { ok: true, index: 1, value: null } as unknown as ApplyResult;

describe('the handlers', () => {
  it('change nothing when they refuse', () => {
    const h = new Harness();
    expect(h.run({ type: 'kv.put', key: 'k', value: 'v' })).toMatchObject({ ok: true });
    const table = HANDLERS as unknown as Record<CommandType, Handler<CommandType>>;
    const real = table['kv.put'];
    // The planted bug: a handler that writes, then refuses.
    table['kv.put'] = (s) => {
      s.kvRevision++;
      return fail('FAILED_PRECONDITION', 'planted');
    };
    try {
      expectInvariant(() => h.run({ type: 'kv.put', key: 'k2', value: 'v' }), 'handler-refusal-changes-nothing');
    } finally {
      table['kv.put'] = real;
    }
    expect(h.run({ type: 'kv.put', key: 'k3', value: 'v' })).toMatchObject({ ok: true });
  });
});

describe('SessionTable', () => {
  it('keeps sessions in activity order: a touch at an earlier age is refused', () => {
    const table = new SessionTable();
    table.check('a', 1, 0, 100);
    table.check('b', 1, 0, 100);
    expectInvariant(() => table.check('c', 1, 0, 50), 'sessions-in-activity-order');
  });

  it('keeps sessions in activity order as they are restored', () => {
    const table = new SessionTable();
    table.restore('a', { floor: 0, lastActivity: 100, results: new Map() });
    expectInvariant(() => table.restore('b', { floor: 0, lastActivity: 10, results: new Map() }), 'sessions-in-activity-order');
  });

  it('remembers no answer below a session’s floor', () => {
    const table = new SessionTable();
    const verdict = table.check('a', 5, 5, 0);
    expect(verdict.kind).toBe('new');
    if (verdict.kind !== 'new') return;
    table.remember(verdict.session, 5, answer);
    expectInvariant(() => table.remember(verdict.session, 3, answer), 'session-results-above-floor');
  });

  it('counts every answer it holds', () => {
    const table = new SessionTable();
    const verdict = table.check('a', 1, 0, 0);
    if (verdict.kind !== 'new') throw new Error(verdict.kind);
    table.remember(verdict.session, 1, answer);
    expect(table.answers).toBe(1);
    // The planted bug: answers added behind the table's back.
    verdict.session.results.set(2, answer);
    verdict.session.results.set(3, answer);
    expectInvariant(() => table.expire(Number.MAX_SAFE_INTEGER), 'sessions-answers-counted');
  });

  it('counts every answer it holds, as a session is touched', () => {
    const table = new SessionTable();
    const verdict = table.check('a', 1, 0, 0);
    if (verdict.kind !== 'new') throw new Error(verdict.kind);
    verdict.session.results.set(1, answer);
    expectInvariant(() => table.check('a', 2, 0, 1), 'sessions-answers-counted');
  });
});

describe('ClusterTableView', () => {
  const columns = () => ({ shards: [], generation: new Float64Array(0), boundAtIndex: new Float64Array(0), lastSeen: new Float64Array(0) });

  it('saves a block once, while held, and only one it can read', () => {
    const view = new ClusterTableView(new SortedMap<number>().freeze(), new ClusterTable(), 10, () => undefined);
    view.save(0, columns());
    expectInvariant(() => view.save(0, columns()), 'cluster-view-block-saved-once');
    expectInvariant(() => view.save(1, columns()), 'cluster-view-block-saved-once');
    const released = new ClusterTableView(new SortedMap<number>().freeze(), new ClusterTable(), 10, () => undefined);
    released.release();
    expectInvariant(() => released.save(0, columns()), 'cluster-view-block-saved-once');
  });
});

describe('ByteWriter and ByteReader', () => {
  it('patches only the output written', () => {
    const w = new ByteWriter(64);
    w.u32(0);
    w.patchU32(0, 7);
    expect([...w.finish()]).toEqual([7, 0, 0, 0]);
    const w2 = new ByteWriter(64);
    w2.u32(0);
    expectInvariant(() => w2.patchU32(2, 7), 'byte-writer-output-prefix');
  });

  it('reads within its data', () => {
    expect(new ByteReader(new Uint8Array(8), 2, 8).done).toBe(false);
    expectInvariant(() => new ByteReader(new Uint8Array(8), 0, 12), 'byte-reader-within-data');
    expectInvariant(() => new ByteReader(new Uint8Array(8), 6, 4), 'byte-reader-within-data');
  });
});

describe('AuditLog', () => {
  it('keeps each ring in index order', () => {
    const log = new AuditLog();
    const by = { token: 'ops', client: 'cli' };
    log.append(auditEntry(5, 0, by, 'kv.put', '{}', 'ok'), 'client');
    log.append(auditEntry(3, 0, by, 'members.add', '{}', 'ok'), 'admin');
    expectInvariant(() => log.append(auditEntry(4, 0, by, 'kv.put', '{}', 'ok'), 'client'), 'audit-entries-in-index-order');
  });
});
