/**
 * Handlers of the KV commands. One global revision counts every change (like etcd's); each key
 * keeps the revision that created it, the revision of its last change and its version.
 */
import { FULL_REGISTRY, LIMITS } from '../limits.js';
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
  if (previous === undefined && s.kv.size >= LIMITS.maxKvKeys) return fail('FAILED_PRECONDITION', FULL_REGISTRY.kvKeys);
  const grow = Buffer.byteLength(value, 'utf8') - (previous === undefined ? 0 : Buffer.byteLength(previous.value, 'utf8'));
  if (s.kvBytes + grow > LIMITS.maxKvTotalBytes) return fail('FAILED_PRECONDITION', FULL_REGISTRY.kvBytes);
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

/** Why a key is not as a compare-and-set expects, or undefined when it is. */
function casMismatch(op: { expected?: string | null; expectRevision?: number }, previous: KvRecord | undefined): string | undefined {
  if (op.expectRevision !== undefined && (previous?.modRevision ?? 0) !== op.expectRevision) {
    if (previous === undefined) return `is absent, not at revision ${op.expectRevision}`;
    return op.expectRevision === 0 ? `exists (revision ${previous.modRevision})` : `is at revision ${previous.modRevision}, not ${op.expectRevision}`;
  }
  if (op.expected === undefined) return undefined;
  if (op.expected === null) return previous === undefined ? undefined : 'exists';
  if (previous === undefined) return 'is absent';
  return previous.value === op.expected ? undefined : 'holds another value';
}

/** Writes a value only if the key is as expected: its value `expected` (`null`: absent) and/or its mod revision `expectRevision` (0: absent). */
export const kvCas: Handler<'kv.cas'> = (s, op) => {
  const ns = op.ns ?? '';
  const previous = s.kv.get(kvKey(ns, op.key));
  const mismatch = casMismatch(op, previous);
  if (mismatch !== undefined) {
    return fail('CAS_FAILED', `kv key ${JSON.stringify(op.key)}${ns === '' ? '' : ` in ${ns}`} ${mismatch}`, {
      ns,
      key: op.key,
      current: previous?.value ?? null,
      modRevision: previous?.modRevision ?? null,
    });
  }
  return write(s, ns, op.key, op.value);
};
