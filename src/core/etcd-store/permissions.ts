/**
 * etcd's key permissions as pure functions (etcd 3.4's auth/range_perm_cache.go): a role grants
 * READ, WRITE or READWRITE on a key, a range [key, range_end), or everything from a key on
 * (range_end "\0"); a user's permissions of one type are the union of its roles', merged into
 * disjoint intervals; a request is permitted when one merged interval contains the whole range it
 * names. Keys are latin1 strings (each byte one character), so `<` is etcd's byte order.
 *
 * `mergeIntervals` answers sorted, disjoint, non-adjacent intervals, so that a range is covered by
 * the union exactly when one of them covers it (`covers` checks the intervals it lands on).
 */
import { checkInvariant } from '../invariant.js';

/** etcd's authpb.Permission.Type. */
export type PermType = 'READ' | 'WRITE' | 'READWRITE';
/** What a request needs of a range: to read it or to write it. */
export type Access = 'read' | 'write';

/** One permission of a role, keys as latin1 strings: `rangeEnd` '' is the key alone, '\0' every key from it on. */
export interface KeyPermission {
  readonly permType: PermType;
  readonly key: string;
  readonly rangeEnd: string;
}

/** [start, end): `end` undefined is unbounded (everything from `start` on). */
export interface Interval {
  readonly start: string;
  readonly end: string | undefined;
}

/** The smallest key after `k` in byte order: a one-key permission is the interval [k, k+"\0"). */
const successor = (k: string): string => `${k}\0`;

/** Whether a permission of `type` allows `access`. */
export function grantsAccess(type: PermType, access: Access): boolean {
  return type === 'READWRITE' || (access === 'read' ? type === 'READ' : type === 'WRITE');
}

/** A permission's keys as an interval, with etcd's meanings of range_end. */
export function intervalOf(key: string, rangeEnd: string): Interval {
  if (rangeEnd === '') return { start: key, end: successor(key) };
  if (rangeEnd === '\0') return { start: key, end: undefined };
  return { start: key, end: rangeEnd };
}

/** Sorted, disjoint intervals covering what `intervals` cover (empty ones dropped). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end === undefined || i.start < i.end).slice().sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    // Overlapping or touching: one interval (etcd's interval tree answers Contains across them too).
    if (last !== undefined && (last.end === undefined || i.start <= last.end)) {
      const end = last.end === undefined || i.end === undefined ? undefined : last.end > i.end ? last.end : i.end;
      out[out.length - 1] = { start: last.start, end };
    } else {
      out.push(i);
    }
  }
  return out;
}

/** The merged intervals that `perms` give for `access`. */
export function unifiedPermissions(perms: readonly KeyPermission[], access: Access): Interval[] {
  return mergeIntervals(perms.filter((p) => grantsAccess(p.permType, access)).map((p) => intervalOf(p.key, p.rangeEnd)));
}

/**
 * Whether `merged` (from mergeIntervals) covers a request's keys: `rangeEnd` '' is the key alone,
 * '\0' every key from it on, else [key, rangeEnd). A range that names no key (rangeEnd ≤ key)
 * reads or writes nothing, and needs what the key alone needs.
 */
export function covers(merged: readonly Interval[], key: string, rangeEnd: string): boolean {
  const want = rangeEnd === '' || (rangeEnd !== '\0' && rangeEnd <= key) ? intervalOf(key, '') : intervalOf(key, rangeEnd);
  // The last interval starting at or before the request's start is the only one that can hold it.
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid]!.start <= want.start) lo = mid + 1;
    else hi = mid;
  }
  const candidate = merged[lo - 1];
  const after = merged[lo];
  checkInvariant(after === undefined || candidate === undefined || (candidate.end !== undefined && candidate.end < after.start), 'permissions-merged-disjoint', () => `intervals [${JSON.stringify(candidate?.start)}, ${JSON.stringify(candidate?.end)}) and [${JSON.stringify(after?.start)}, …) are not sorted, disjoint and apart`);
  if (candidate === undefined) return false;
  if (candidate.end === undefined) return true;
  return want.end !== undefined && want.end <= candidate.end;
}

/** One check a request needs: `access` on the keys [key, rangeEnd) (etcd's meanings of rangeEnd). */
export interface KeyCheck {
  readonly access: Access;
  readonly key: string;
  readonly rangeEnd: string;
}

/** The operations of a txn as the permission checks see them (keys as latin1 strings; `lease` 0 for none). */
export type CheckedOp =
  | { readonly range: { readonly key: string; readonly rangeEnd: string } }
  | { readonly put: { readonly key: string; readonly prevKv: boolean; readonly lease: number } }
  | { readonly deleteRange: { readonly key: string; readonly rangeEnd: string; readonly prevKv: boolean } }
  | { readonly txn: CheckedTxn };
export interface CheckedTxn {
  readonly compare: readonly { readonly key: string; readonly rangeEnd: string }[];
  readonly success: readonly CheckedOp[];
  readonly failure: readonly CheckedOp[];
}

/**
 * Every check a txn needs, as etcd's apply_auth.go makes them: read on every compare's range
 * (both branches are judged, whichever runs), read on a range, write on a put's key (and read when
 * it asks for the previous value), write on a deleted range (and read with prev_kv), and a put's
 * lease: write on every key already attached to it (`leaseKeys`), since whoever attaches a key
 * to a lease can revoke the lease and so delete them. Nested txns are checked as the outer one
 * (etcd 3.4 skipped them: a hole later closed upstream).
 */
export function txnChecks(txn: CheckedTxn, leaseKeys: (lease: number) => readonly string[]): KeyCheck[] {
  const out: KeyCheck[] = [];
  for (const c of txn.compare) out.push({ access: 'read', key: c.key, rangeEnd: c.rangeEnd });
  for (const op of [...txn.success, ...txn.failure]) out.push(...opChecks(op, leaseKeys));
  return out;
}

/** The checks of one operation (a Range, Put or DeleteRange call is a txn of one). */
export function opChecks(op: CheckedOp, leaseKeys: (lease: number) => readonly string[]): KeyCheck[] {
  if ('range' in op) return [{ access: 'read', key: op.range.key, rangeEnd: op.range.rangeEnd }];
  if ('put' in op) {
    const p = op.put;
    const checks: KeyCheck[] = [{ access: 'write', key: p.key, rangeEnd: '' }];
    if (p.lease !== 0) for (const k of leaseKeys(p.lease)) checks.push({ access: 'write', key: k, rangeEnd: '' });
    if (p.prevKv) checks.push({ access: 'read', key: p.key, rangeEnd: '' });
    return checks;
  }
  if ('deleteRange' in op) {
    const d = op.deleteRange;
    const checks: KeyCheck[] = [{ access: 'write', key: d.key, rangeEnd: d.rangeEnd }];
    if (d.prevKv) checks.push({ access: 'read', key: d.key, rangeEnd: d.rangeEnd });
    return checks;
  }
  return txnChecks(op.txn, leaseKeys);
}
