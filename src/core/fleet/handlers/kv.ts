/**
 * Handlers of the KV commands. One revision counts every change (like etcd's); each key keeps
 * the revision that created it, the revision of its last change and its version. Where the KV
 * lives (the etcd keyspace, or the registry's own map) is kv-location.ts's: in the keyspace, the
 * revision is the store's and the limits are its own (its space quota).
 */
import { kvEtcdKey } from '../../../common/registry/kv-keys.js';
import { CLUSTER_VERSION_KV, keyspaceOf, kvRead, moveKvIfDue, type KeyspacePort } from '../kv-location.js';
import { moveLeasesIfDue } from '../lease-book.js';
import { FULL_REGISTRY, LIMITS } from '../limits.js';
import { kvKey, type FleetState, type KvRecord } from '../state.js';
import type { KvMeta } from '../types.js';
import { fail, ok, type ApplyContext, type Handler, type Outcome } from './outcome.js';

function meta(ns: string, key: string, rec: KvRecord): KvMeta {
  return { ns, key, createRevision: rec.createRevision, modRevision: rec.modRevision, version: rec.version };
}

/** Writes a value at a new revision: in the keyspace, or in the registry's map within its key-count and byte limits. */
function write(s: FleetState, ns: string, key: string, value: string, ctx: ApplyContext): Outcome<{ kv: KvMeta; revision: number }> {
  const keyspace = keyspaceOf(s, ns);
  if (keyspace !== undefined) return writeKeyspace(keyspace, ns, key, value);
  const composite = kvKey(ns, key);
  const previous = s.kv.get(composite);
  if (previous === undefined && s.kv.size >= LIMITS.maxKvKeys) return fail('FAILED_PRECONDITION', FULL_REGISTRY.kvKeys);
  const grow = Buffer.byteLength(value, 'utf8') - (previous === undefined ? 0 : Buffer.byteLength(previous.value, 'utf8'));
  if (s.kvBytes + grow > LIMITS.maxKvTotalBytes) return fail('FAILED_PRECONDITION', FULL_REGISTRY.kvBytes);
  const revision = ++s.kvRevision;
  const rec: KvRecord = { value, createRevision: previous?.createRevision ?? revision, modRevision: revision, version: (previous?.version ?? 0) + 1 };
  s.putKv(composite, rec, previous);
  if (ns === CLUSTER_VERSION_KV.ns && key === CLUSTER_VERSION_KV.key) {
    moveKvIfDue(s, value);
    moveLeasesIfDue(s, value, ctx);
  }
  return ok({ kv: meta(ns, key, rec), revision });
}

function writeKeyspace(keyspace: KeyspacePort, ns: string, key: string, value: string): Outcome<{ kv: KvMeta; revision: number }> {
  const written = keyspace.put(kvEtcdKey(key, ns), value);
  if ('refused' in written) return fail('FAILED_PRECONDITION', written.refused);
  return ok({ kv: meta(ns, key, written.rec), revision: written.revision });
}

/** Writes a value. */
export const kvPut: Handler<'kv.put'> = (s, op, ctx) => write(s, op.ns ?? '', op.key, op.value, ctx);

/** Deletes a key; an absent key is not an error (`deleted: false`) and does not bump the revision. */
export const kvDelete: Handler<'kv.delete'> = (s, op) => {
  const keyspace = keyspaceOf(s, op.ns ?? '');
  if (keyspace !== undefined) {
    const revision = keyspace.delete(kvEtcdKey(op.key, op.ns ?? ''));
    return revision === undefined ? ok({ deleted: false, revision: keyspace.revision }) : ok({ deleted: true, revision });
  }
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
export const kvCas: Handler<'kv.cas'> = (s, op, ctx) => {
  const ns = op.ns ?? '';
  const previous = kvRead(s, ns, op.key);
  const mismatch = casMismatch(op, previous);
  if (mismatch !== undefined) {
    return fail('CAS_FAILED', `kv key ${JSON.stringify(op.key)}${ns === '' ? '' : ` in ${ns}`} ${mismatch}`, {
      ns,
      key: op.key,
      current: previous?.value ?? null,
      modRevision: previous?.modRevision ?? null,
    });
  }
  return write(s, ns, op.key, op.value, ctx);
};
