/**
 * Handlers of the KV commands. One global revision counts every change (like etcd's); each key
 * keeps the revision that created it, the revision of its last change and its version.
 */
import { LIMITS } from '../limits.js';
import { kvKey, type FleetState, type KvRecord } from '../state.js';
import type { KvMeta } from '../types.js';
import { fail, ok, type Handler, type Outcome } from './outcome.js';

function meta(ns: string, key: string, rec: KvRecord): KvMeta {
  return { ns, key, createRevision: rec.createRevision, modRevision: rec.modRevision, version: rec.version };
}

/** Writes a value at a new revision, within the key-count and byte limits. */
function write(s: FleetState, ns: string, key: string, value: string): Outcome<{ kv: KvMeta; revision: number }> {
  const composite = kvKey(ns, key);
  const previous = s.kv.get(composite);
  if (previous === undefined && s.kv.size >= LIMITS.maxKvKeys) return fail('FAILED_PRECONDITION', `the KV store already holds ${LIMITS.maxKvKeys} keys`);
  const grow = Buffer.byteLength(value, 'utf8') - (previous === undefined ? 0 : Buffer.byteLength(previous.value, 'utf8'));
  if (s.kvBytes + grow > LIMITS.maxKvTotalBytes) return fail('FAILED_PRECONDITION', `the KV store would exceed ${LIMITS.maxKvTotalBytes} bytes of values`);
  const revision = ++s.kvRevision;
  const rec: KvRecord = { value, createRevision: previous?.createRevision ?? revision, modRevision: revision, version: (previous?.version ?? 0) + 1 };
  s.putKv(composite, rec, previous);
  return ok({ kv: meta(ns, key, rec), revision });
}

/** Writes a value. */
export const kvPut: Handler<'kv.put'> = (s, op) => write(s, op.ns ?? '', op.key, op.value);

/** Deletes a key; an absent key is not an error (`deleted: false`) and does not bump the revision. */
export const kvDelete: Handler<'kv.delete'> = (s, op) => {
  const composite = kvKey(op.ns ?? '', op.key);
  const previous = s.kv.get(composite);
  if (previous === undefined) return ok({ deleted: false, revision: s.kvRevision });
  s.deleteKv(composite, previous);
  return ok({ deleted: true, revision: ++s.kvRevision });
};

/** Writes a value only if the current one is `expected` (`null`: the key must be absent). */
export const kvCas: Handler<'kv.cas'> = (s, op) => {
  const ns = op.ns ?? '';
  const previous = s.kv.get(kvKey(ns, op.key));
  const matches = op.expected === null ? previous === undefined : previous?.value === op.expected;
  if (!matches) {
    const what = previous === undefined ? 'is absent' : op.expected === null ? 'exists' : 'holds another value';
    return fail('CAS_FAILED', `kv key ${JSON.stringify(op.key)}${ns === '' ? '' : ` in ${ns}`} ${what}`, {
      ns,
      key: op.key,
      current: previous?.value ?? null,
      modRevision: previous?.modRevision ?? null,
    });
  }
  return write(s, ns, op.key, op.value);
};
