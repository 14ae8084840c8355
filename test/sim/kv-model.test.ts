import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, KvModel, type KvCommand } from './kv-model.js';

const write = (client: number, seq: number, key: string, value: number): KvCommand => ({ kind: 'write', client, seq, key, value });

describe('KvModel', () => {
  it('applies writes and compare-and-sets on registers that start at null', () => {
    const kv = new KvModel();
    expect(kv.read('a')).toBeNull();
    expect(kv.apply({ kind: 'cas', client: 1, seq: 1, key: 'a', expected: 5, value: 6 }).ok).toBe(false);
    expect(kv.apply({ kind: 'cas', client: 1, seq: 2, key: 'a', expected: null, value: 6 }).ok).toBe(true);
    expect(kv.apply(write(2, 1, 'a', 7)).ok).toBe(true);
    expect(kv.read('a')).toBe(7);
  });

  it('applies a retried command once and repeats its first answer', () => {
    const kv = new KvModel();
    kv.apply({ kind: 'cas', client: 1, seq: 1, key: 'a', expected: 9, value: 1 });
    kv.apply(write(2, 1, 'a', 9));
    const retry = kv.apply({ kind: 'cas', client: 1, seq: 1, key: 'a', expected: 9, value: 1 });
    expect(retry).toEqual({ ok: false, duplicate: true, stale: false });
    expect(kv.read('a')).toBe(9);
  });

  it('ignores a stale copy of an older command', () => {
    const kv = new KvModel();
    kv.apply(write(1, 2, 'a', 2));
    expect(kv.apply(write(1, 1, 'a', 1))).toEqual({ ok: false, duplicate: false, stale: true });
    expect(kv.read('a')).toBe(2);
  });

  it('round-trips through a snapshot image, byte for byte', () => {
    const a = new KvModel();
    const b = new KvModel();
    a.apply(write(1, 1, 'x', 1));
    a.apply(write(2, 1, 'y', 2));
    b.apply(write(2, 1, 'y', 2));
    b.apply(write(1, 1, 'x', 1));
    expect(a.encode()).toEqual(b.encode());
    const restored = KvModel.decode(a.encode());
    expect(restored.read('x')).toBe(1);
    expect(restored.session(2)).toEqual({ seq: 1, ok: true });
  });

  it('encodes commands as entry data', () => {
    const cmd: KvCommand = { kind: 'cas', client: 3, seq: 4, key: 'k', expected: null, value: 5 };
    expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
    expect(() => decodeCommand(new TextEncoder().encode('{"kind":"noop"}'))).toThrow();
  });
});
