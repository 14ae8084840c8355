import { describe, expect, it } from 'vitest';
import { decodeAppEntry, encodeAppCommand, encodeEtcdEntry, etcdEntryBody, imageHeaderV2, isAppEntry, isEtcdEntry, joinImages, joinImagesV2, splitImage } from '../../../src/core/app-format.js';
import { ERR_COMPACTED, ERR_NO_SPACE } from '../../../src/core/etcd-store/mvcc.js';
import { ETCD_START_REVISION, EtcdReplica, decodeEtcdRequest, encodeEtcdRequest, type EtcdRequest } from '../../../src/core/etcd-store/replica.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const put = (key: string, value: string, at = 0, lease = 0): EtcdRequest => ({ at, op: { type: 'txn', txn: { success: [{ put: { key: b(key), value: b(value), lease } }] } } });
/** Every request goes through its entry bytes, as the log carries it. */
const viaEntry = (req: EtcdRequest): EtcdRequest => {
  const entry = encodeEtcdEntry(encodeEtcdRequest(req));
  expect(isEtcdEntry(entry)).toBe(true);
  return decodeEtcdRequest(etcdEntryBody(entry));
};

describe('etcd request entries (application entry kind 3)', () => {
  it('round-trip a request with bytes that are not UTF-8 and nested txns', () => {
    const req: EtcdRequest = {
      at: 1_700_000_000_123,
      op: { type: 'txn', txn: { compare: [{ key: b('\xff\x00k'), target: 'value', result: 'equal', operand: b('\x80') }], success: [{ txn: { success: [{ put: { key: b('a'), value: b('\xfe') } }] } }], failure: [{ range: { key: b('a'), rangeEnd: b('\x00') } }] } },
    };
    expect(viaEntry(req)).toEqual(req);
  });

  it('are application entries (first byte 0) of their own kind, never an application command or a registry command', () => {
    const entry = encodeEtcdEntry(encodeEtcdRequest(put('k', 'v')));
    expect(entry[0]).toBe(0);
    expect(entry[1]).toBe(3);
    expect(isAppEntry(entry)).toBe(true);
    expect(isEtcdEntry(encodeAppCommand('op', new Uint8Array([3])))).toBe(false);
    expect(isEtcdEntry(Buffer.from('{"op":1}'))).toBe(false);
    // An application's replica never sees one; if it did, it would say so rather than apply it.
    expect(() => decodeAppEntry(entry)).toThrow(/unknown kind 3/);
  });

  it('refuse a body that is not a request', () => {
    expect(() => decodeEtcdRequest(Buffer.from('{"x":1}'))).toThrow(/not a request/);
    expect(() => decodeEtcdRequest(Buffer.from('nope'))).toThrow();
  });
});

describe('member images with the etcd keyspace', () => {
  const registry = Buffer.from([7, 1, 2, 3]);
  const app = Buffer.from('app-state');
  const etcd = Buffer.from('{"revision":2}');

  it('still read a registry-only image and a registry+application image (version 1)', () => {
    expect(splitImage(registry)).toEqual({ registry });
    expect(splitImage(joinImages(registry, app))).toEqual({ registry, app });
  });

  it('read version 2 with and without an application, and with an empty application image', () => {
    expect(splitImage(joinImagesV2(registry, app, etcd))).toEqual({ registry, app, etcd });
    expect(splitImage(joinImagesV2(registry, undefined, etcd))).toEqual({ registry, etcd });
    expect(splitImage(joinImagesV2(registry, new Uint8Array(0), etcd))).toEqual({ registry, app: Buffer.alloc(0), etcd });
  });

  it('refuse a version 2 image whose parts run past its end', () => {
    const bad = Buffer.concat([imageHeaderV2(100, 5), registry]);
    expect(() => splitImage(bad)).toThrow(/run past the image/);
  });
});

describe('EtcdReplica', () => {
  it('starts at etcd revision 1, so the first write is revision 2', () => {
    const r = new EtcdReplica();
    expect(r.store.revision).toBe(ETCD_START_REVISION);
    expect(r.apply(put('a', '1'))).toMatchObject({ ok: true, revision: 2 });
  });

  it('answers a refusal the same on every member and changes nothing', () => {
    const [x, y] = [new EtcdReplica(), new EtcdReplica()];
    const reqs: EtcdRequest[] = [put('a', '1'), put('a', '2'), { at: 0, op: { type: 'compact', revision: 3 } }, { at: 0, op: { type: 'compact', revision: 2 } }, put('b', '1', 0, 42)];
    const answers = [x, y].map((r) => reqs.map((q) => r.apply(viaEntry(q))));
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![3]).toEqual({ ok: false, error: { message: ERR_COMPACTED, code: 'compacted', compactRevision: 3 } });
    expect(answers[0]![4]).toMatchObject({ ok: false, error: { code: 'lease-not-found' } });
    expect(Buffer.from(x.snapshot()).equals(Buffer.from(y.snapshot()))).toBe(true);
  });

  it("takes a lease's time from the entry, and expires only what is due by the entry's time", () => {
    const r = new EtcdReplica();
    r.apply({ at: 1_000, op: { type: 'lease-grant', id: 7, ttl: 10 } });
    r.apply({ at: 1_000, op: { type: 'lease-grant', id: 8, ttl: 10 } });
    r.apply(put('held', 'v', 1_000, 7));
    // The leader saw both due; a keep-alive of 8 applied before its expiry saved it.
    r.apply({ at: 10_500, op: { type: 'lease-renew', id: 8 } });
    const answer = r.apply({ at: 11_000, op: { type: 'lease-expire', ids: [7, 8] } });
    expect(answer).toMatchObject({ ok: true, revoked: [7] });
    expect(r.store.leaseList()).toEqual([8]);
    expect(r.store.range({ key: b('held') }).kvs).toEqual([]);
  });

  it('restores what it snapshotted; a keyspace never written snapshots as nothing', () => {
    const r = new EtcdReplica();
    expect(r.snapshot().length).toBe(0);
    r.apply({ at: 5, op: { type: 'lease-grant', id: 9, ttl: 60 } });
    r.apply(put('k\xff', 'v1', 5, 9));
    r.apply(put('k\xff', 'v2', 5, 9));
    r.apply({ at: 5, op: { type: 'compact', revision: 3 } });
    const copy = new EtcdReplica();
    copy.restore(r.snapshot());
    expect(copy.snapshot()).toEqual(r.snapshot());
    expect(copy.store.range({ key: b('k\xff') }).kvs[0]).toMatchObject({ version: 2, lease: 9, modRevision: 3 });
    expect(copy.store.leaseTimeToLive(9, 5)?.keys).toEqual([b('k\xff')]);
    copy.restore(undefined);
    expect(copy.store.revision).toBe(ETCD_START_REVISION);
  });

  it("gives the newest revision's events in a range from the keys it wrote, so that a watcher's scan can be skipped", () => {
    const r = new EtcdReplica();
    expect(r.store.newestRevisionEvents(b('a'), undefined)).toBeUndefined();
    r.apply({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: b('p/1'), value: b('x') } }, { put: { key: b('q'), value: b('y') } }] } } });
    expect(r.store.newestRevisionEvents(b('p/'), b('p0'))?.map((e) => Buffer.from(e.kv.key).toString())).toEqual(['p/1']);
    expect(r.store.newestRevisionEvents(b('q'), undefined)?.length).toBeGreaterThan(0);
    expect(r.store.newestRevisionEvents(b('r'), b('\x00'))).toEqual([]);
    expect(r.store.newestRevisionEvents(b('a'), b('\x00'))?.map((e) => Buffer.from(e.kv.key).toString())).toEqual(['p/1', 'q']);
    expect(r.store.newestRevisionEvents(b('p/2'), undefined)).toEqual([]);
    // A refused txn changes nothing, the answer included.
    r.apply({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: b('z'), value: b('1'), lease: 99 } }] } } });
    expect(r.store.newestRevisionEvents(b('z'), undefined)).toEqual([]);
    r.apply({ at: 0, op: { type: 'lease-grant', id: 3, ttl: 60 } });
    r.apply({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: b('leased'), value: b('1'), lease: 3 } }] } } });
    r.apply({ at: 0, op: { type: 'lease-revoke', id: 3 } });
    expect(r.store.newestRevisionEvents(b('leased'), undefined)?.length).toBeGreaterThan(0);
    expect(r.store.newestRevisionEvents(b('q'), undefined)).toEqual([]);
    // After a restore the newest revision's keys are not known: the watcher scans.
    const copy = new EtcdReplica();
    copy.restore(r.snapshot());
    expect(copy.store.newestRevisionEvents(b('q'), undefined)).toBeUndefined();
  });
});

describe('the NOSPACE alarm (etcd space quota)', () => {
  const alarm = (action: 'activate' | 'deactivate'): EtcdRequest => ({ at: 0, op: { type: 'alarm', action, alarm: { member: 'n1', alarm: 'NOSPACE' } } });
  const del = (key: string): EtcdRequest => ({ at: 0, op: { type: 'txn', txn: { success: [{ deleteRange: { key: b(key) } }] } } });

  it('refuses what grows the store on every member, and serves deletes, reads and compaction', () => {
    const r = new EtcdReplica();
    r.apply(viaEntry(put('a', '1')));
    r.apply(viaEntry(put('b', '2')));
    expect(r.apply(viaEntry(alarm('activate')))).toMatchObject({ ok: true });
    expect(r.store.alarms).toEqual([{ member: 'n1', alarm: 'NOSPACE' }]);
    expect(r.apply(viaEntry(put('c', '3')))).toEqual({ ok: false, error: { message: ERR_NO_SPACE, code: 'no-space' } });
    const nested: EtcdRequest = { at: 0, op: { type: 'txn', txn: { success: [{ txn: { failure: [{ put: { key: b('d'), value: b('4') } }] } }] } } };
    expect(r.apply(viaEntry(nested))).toMatchObject({ ok: false, error: { code: 'no-space' } });
    expect(r.apply(viaEntry({ at: 0, op: { type: 'lease-grant', id: 7, ttl: 10 } }))).toMatchObject({ ok: false, error: { code: 'no-space' } });
    expect(r.apply(viaEntry(del('a')))).toMatchObject({ ok: true });
    expect(r.apply(viaEntry({ at: 0, op: { type: 'compact', revision: r.store.revision } }))).toMatchObject({ ok: true });
    expect(r.store.range({ key: b('b') }).kvs).toHaveLength(1);
    r.apply(viaEntry(alarm('deactivate')));
    expect(r.store.alarms).toEqual([]);
    expect(r.apply(viaEntry(put('c', '3')))).toMatchObject({ ok: true });
  });

  it('is in the image: a member restored from it refuses as the others do; none leaves the image as it was', () => {
    const r = new EtcdReplica();
    r.apply(put('a', '1'));
    const before = Buffer.from(r.snapshot()).toString();
    expect(before).not.toContain('alarms');
    r.apply(alarm('activate'));
    const back = new EtcdReplica();
    back.restore(r.snapshot());
    expect(back.store.alarms).toEqual([{ member: 'n1', alarm: 'NOSPACE' }]);
    expect(back.apply(put('c', '3'))).toMatchObject({ ok: false, error: { code: 'no-space' } });
    r.apply(alarm('deactivate'));
    expect(Buffer.from(r.snapshot()).toString()).toBe(before);
  });
});
