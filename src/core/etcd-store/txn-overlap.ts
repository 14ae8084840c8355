/**
 * etcd's rule that a txn branch may not write one key twice: two puts of a key, or a put of a key
 * a delete of the same branch covers, is refused with "duplicate key given in txn request"
 * (etcd's checkIntervals in its v3rpc key service). A nested txn's then and else are exclusive,
 * so a key both put may be put in each; everything else they write counts against the level
 * above. Deletes may overlap each other.
 *
 * Checked before a txn is proposed, never when an entry is applied: a log written before this
 * check may hold such a txn, and every member must apply it as it was applied then.
 */
import { ERR_DUPLICATE_KEY, MvccError, keyName, type RequestOp, type TxnRequest } from './mvcc.js';

/** A deleted range as latin1 strings (byte order): `end` undefined is the one key `start`. */
interface Deleted {
  readonly start: string;
  readonly end: string | undefined;
}

// etcd compares a range's ends as plain strings, so its "\0" range end (every key from `key`
// on) makes an empty interval that no put overlaps: etcd 3.4 runs `put a` with `del a
// --from-key` in one branch. Followed as it is, so a client etcd serves is served here.
const covers = (d: Deleted, key: string): boolean => (d.end === undefined ? key === d.start : key >= d.start && key < d.end);

function deletedOf(key: Uint8Array, rangeEnd: Uint8Array | undefined): Deleted {
  return { start: keyName(key), end: rangeEnd === undefined || rangeEnd.length === 0 ? undefined : keyName(rangeEnd) };
}

/** Throws etcd's duplicate-key error when a branch of `txn` writes one key twice. */
export function checkTxnOverlap(txn: TxnRequest): void {
  overlapOf(txn.success ?? []);
  overlapOf(txn.failure ?? []);
}

/** The keys a branch puts and the ranges it deletes, nested txns included; throws on a duplicate. */
function overlapOf(ops: readonly RequestOp[]): { puts: Set<string>; dels: Deleted[] } {
  const dels: Deleted[] = [];
  for (const op of ops) if ('deleteRange' in op) dels.push(deletedOf(op.deleteRange.key, op.deleteRange.rangeEnd));
  const puts = new Set<string>();
  const add = (key: string, allowed: ReadonlySet<string> = new Set()): void => {
    if ((puts.has(key) && !allowed.has(key)) || dels.some((d) => covers(d, key))) throw new MvccError(ERR_DUPLICATE_KEY, 'invalid');
    puts.add(key);
  };
  for (const op of ops) {
    if (!('txn' in op)) continue;
    const then = overlapOf(op.txn.success ?? []);
    const otherwise = overlapOf(op.txn.failure ?? []);
    for (const k of then.puts) add(k);
    // A key put by then and by else: only one of them runs.
    for (const k of otherwise.puts) add(k, then.puts);
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) if ('put' in op) add(keyName(op.put.key));
  return { puts, dels };
}
