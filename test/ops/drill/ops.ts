import type { OpRecord } from '../../../src/ops/drill/types.js';

/** A recorded operation for pure tests; times are given in ms and stored in ns. */
export function op(f: OpRecord['f'], key: string, startMs: number, endMs: number, o: Partial<Omit<OpRecord, 'f' | 'key' | 'startNs' | 'endNs'>> = {}): OpRecord {
  return { process: 0, input: null, output: null, outcome: 'ok', ...o, f, key, startNs: startMs * 1e6, endNs: endMs * 1e6 };
}

/** A write of `value`. */
export function write(key: string, value: string, startMs: number, endMs: number, o: Partial<OpRecord> = {}): OpRecord {
  return op('write', key, startMs, endMs, { input: value, ...o });
}

/** A read that saw `value`. */
export function read(key: string, value: string | null, startMs: number, endMs: number, o: Partial<OpRecord> = {}): OpRecord {
  return op('read', key, startMs, endMs, { output: value, ...o });
}
