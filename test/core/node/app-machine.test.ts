import { describe, expect, it } from 'vitest';
import { AppReplica, decodeAppEntry, encodeAppCommand, encodeStateCheck, isAppEntry, joinImages, splitImage, type StateMachine } from '../../../src/core/node/state/app-machine.js';
import { encodeCommand } from '../../../src/core/fleet/index.js';

class Tally implements StateMachine {
  items: string[] = [];
  apply(c: { op: string; payload: Uint8Array }): number {
    if (c.op === 'fail') throw new Error('no');
    this.items.push(Buffer.from(c.payload).toString());
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(image: Uint8Array): void {
    this.items = image.length === 0 ? [] : (JSON.parse(Buffer.from(image).toString()) as string[]);
  }
}

describe('application entries', () => {
  it('round-trip a command with any bytes, and are told apart from registry commands', () => {
    const payload = Uint8Array.from([0, 255, 7, 0x7b]);
    const data = encodeAppCommand('jobs.post-ü', payload);
    expect(isAppEntry(data)).toBe(true);
    expect(decodeAppEntry(data)).toEqual({ kind: 'command', command: { op: 'jobs.post-ü', payload: Buffer.from(payload) } });
    expect(isAppEntry(encodeCommand({ clientId: 'c', seq: 1, firstIncomplete: 1, time: 0, age: 0, op: { type: 'kv.put', ns: '', key: 'k', value: 'v' } } as never))).toBe(false);
    const long = 'x'.repeat(300);
    expect(decodeAppEntry(encodeAppCommand(long, new Uint8Array(0)))).toMatchObject({ command: { op: long } });
  });

  it('round-trip a state check and refuse an unknown kind or a truncated name', () => {
    expect(decodeAppEntry(encodeStateCheck(123_456_789, Uint8Array.from([1, 2, 3])))).toEqual({ kind: 'check', index: 123_456_789, hash: Buffer.from([1, 2, 3]) });
    expect(() => decodeAppEntry(Uint8Array.from([0, 9, 0]))).toThrow(/unknown kind 9/);
    expect(() => decodeAppEntry(Uint8Array.from([0, 1, 10, 65]))).toThrow(/runs past/);
  });
});

describe('member images', () => {
  it('join the registry and application images and split them back; a registry-only image stays one', () => {
    const registry = Uint8Array.from([3, 1, 2, 3]);
    const app = Buffer.from('{"a":1}');
    expect(splitImage(joinImages(registry, app))).toEqual({ registry: Buffer.from(registry), app: Buffer.from(app) });
    expect(splitImage(registry)).toEqual({ registry });
    const bad = Buffer.from(joinImages(registry, app));
    bad.writeUInt32LE(1000, 2);
    expect(() => splitImage(bad)).toThrow(/runs past the image/);
  });
});

describe('AppReplica', () => {
  it('hashes at checkpoints and reports a leader hash that differs as a divergence at that index', () => {
    const mine = new AppReplica(new Tally(), 2);
    const leader = new AppReplica(new Tally(), 2);
    for (const [i, item] of ['a', 'b'].entries()) {
      mine.apply(encodeAppCommand('add', Buffer.from(item)), { index: i + 1, term: 1 });
      leader.apply(encodeAppCommand('add', Buffer.from(i === 1 ? 'B' : item)), { index: i + 1, term: 1 });
    }
    expect(mine.checkpoint(1)).toBeUndefined();
    mine.checkpoint(2);
    const theirs = leader.checkpoint(2)!;
    expect(mine.apply(encodeStateCheck(2, mine.hash()), { index: 3, term: 1 })).toBeUndefined();
    expect(mine.fault).toBeUndefined();
    mine.apply(encodeStateCheck(2, theirs), { index: 4, term: 1 });
    expect(mine.fault).toMatchObject({ code: 'DIVERGED', index: 2 });
  });

  it('ignores a check of an index it did not hash (restored past it)', () => {
    const r = new AppReplica(new Tally(), 2);
    r.apply(encodeStateCheck(2, Uint8Array.from([9])), { index: 5, term: 1 });
    expect(r.fault).toBeUndefined();
  });

  it('turns a throwing apply into an APPLY_FAILED fault naming the index and operation', () => {
    const r = new AppReplica(new Tally(), 0);
    expect(() => r.apply(encodeAppCommand('fail', new Uint8Array(0)), { index: 9, term: 2 })).toThrow(/entry 9 \(operation "fail"\) threw: no/);
    expect(r.fault).toMatchObject({ code: 'APPLY_FAILED', index: 9 });
  });
});
