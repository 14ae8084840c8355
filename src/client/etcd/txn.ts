/**
 * etcd's transaction, as the library spells it: compares on a key's value, version, create or
 * mod revision, or lease; then puts and deletes when every compare holds, others when one does
 * not. The semantics are etcd's (an absent key has version, create and mod revision 0, lease 0 and
 * no value, so a value compare on it fails); this file only maps them to the wire.
 */
import { prefixEnd } from '../../common/etcd-keys.js';

/** A key or a value: a string is taken as UTF-8. */
export type Bytes = string | Uint8Array;

/** How a compare relates the key's field to the operand. */
export type CompareResult = 'equal' | 'not-equal' | 'greater' | 'less';

/** One condition of a transaction on one key's field; `result` defaults to `equal`. */
export type TxnCompare =
  | { readonly key: Bytes; readonly target: 'value'; readonly value: Bytes; readonly result?: CompareResult }
  | { readonly key: Bytes; readonly target: 'version' | 'create' | 'mod'; readonly value: number; readonly result?: CompareResult }
  /** The lease the key is attached to (decimal id; '0': none). */
  | { readonly key: Bytes; readonly target: 'lease'; readonly value: string; readonly result?: CompareResult };

/** One write of a transaction: a put (attached to `lease` when given), or a delete of a key or, with `prefix`, of every key under it. */
export type TxnOp = { readonly put: Bytes; readonly value: Bytes; readonly lease?: string } | { readonly delete: Bytes; readonly prefix?: boolean };

/** A transaction: `success` applies when every compare holds, `failure` otherwise, each at one revision. */
export interface TxnRequest {
  readonly compare: readonly TxnCompare[];
  readonly success?: readonly TxnOp[];
  readonly failure?: readonly TxnOp[];
}

/** Whether the compares held, and the store's revision after the transaction. */
export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: number;
}

const RESULTS: Record<CompareResult, string> = { equal: 'EQUAL', 'not-equal': 'NOT_EQUAL', greater: 'GREATER', less: 'LESS' };
const FIELDS = { version: 'version', create: 'createRevision', mod: 'modRevision' } as const;

/** `b` as bytes. */
export function bytes(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function compareToWire(c: TxnCompare): Record<string, unknown> {
  const base = { result: RESULTS[c.result ?? 'equal'], key: bytes(c.key) };
  if (c.target === 'value') return { ...base, target: 'VALUE', value: bytes(c.value) };
  if (c.target === 'lease') return { ...base, target: 'LEASE', lease: c.value };
  return { ...base, target: c.target === 'create' ? 'CREATE' : c.target.toUpperCase(), [FIELDS[c.target]]: String(c.value) };
}

function opToWire(op: TxnOp): Record<string, unknown> {
  if ('put' in op) return { requestPut: { key: bytes(op.put), value: bytes(op.value), ...(op.lease === undefined ? {} : { lease: op.lease }) } };
  const key = bytes(op.delete);
  return { requestDeleteRange: { key, ...(op.prefix === true ? { rangeEnd: prefixEnd(key) } : {}) } };
}

/** The TxnRequest message of `t`. */
export function txnToWire(t: TxnRequest): Record<string, unknown> {
  return { compare: t.compare.map(compareToWire), success: (t.success ?? []).map(opToWire), failure: (t.failure ?? []).map(opToWire) };
}
