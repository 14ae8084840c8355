import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/raft/types.js';
import { MinHeap } from './min-heap.js';
import { cloneMessage, Network, type LinkRates } from './network.js';
import { Prng } from './prng.js';

interface Note {
  readonly from: string;
  readonly to: string;
  readonly n: number;
}

const QUIET: LinkRates = { drop: 0, dup: 0, delayMin: 1, delayMax: 1, clog: 0 };

function drain(net: Network<Note>, until = Infinity): Note[] {
  const out: Note[] = [];
  for (let p = net.popDue(until); p !== undefined; p = net.popDue(until)) out.push(p.msg);
  return out;
}

function send(net: Network<Note>, count: number, from = 'a', to = 'b'): void {
  for (let n = 0; n < count; n++) net.send({ from, to, n }, 0);
}

describe('MinHeap', () => {
  it('pops by time, then by insertion order', () => {
    const heap = new MinHeap<{ at: number; seq: number }>();
    const prng = new Prng(1);
    for (let seq = 0; seq < 500; seq++) heap.push({ at: prng.int(20), seq });
    let last = { at: -1, seq: -1 };
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) {
      expect(item.at > last.at || (item.at === last.at && item.seq > last.seq)).toBe(true);
      last = item;
    }
  });
});

describe('Network', () => {
  it('delivers in order when every message takes the same time', () => {
    const net = new Network<Note>(new Prng(1), QUIET, (m) => ({ ...m }));
    send(net, 50);
    expect(drain(net).map((m) => m.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reorders messages when delays vary, and holds them until due', () => {
    const net = new Network<Note>(new Prng(2), { ...QUIET, delayMin: 1, delayMax: 100 }, (m) => ({ ...m }));
    send(net, 50);
    expect(drain(net, 0)).toEqual([]);
    const order = drain(net).map((m) => m.n);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('drops and duplicates at the drawn rates', () => {
    const net = new Network<Note>(new Prng(3), { ...QUIET, drop: 0.2, dup: 0.1 }, (m) => ({ ...m }));
    send(net, 10_000);
    const delivered = drain(net).length;
    expect(net.stats.dropped).toBeGreaterThan(1800);
    expect(net.stats.duplicated).toBeGreaterThan(800);
    expect(delivered).toBe(net.stats.sent + net.stats.duplicated - net.stats.dropped);
  });

  it('cuts one direction only in an asymmetric partition', () => {
    const net = new Network<Note>(new Prng(4), QUIET, (m) => ({ ...m }));
    net.cutOneWay(['a'], ['b']);
    send(net, 3, 'a', 'b');
    send(net, 3, 'b', 'a');
    expect(drain(net).map((m) => m.from)).toEqual(['b', 'b', 'b']);
  });

  it('loses messages in flight when their link is cut, and heals', () => {
    const net = new Network<Note>(new Prng(5), QUIET, (m) => ({ ...m }));
    send(net, 2, 'a', 'b');
    net.isolate('b', ['a', 'b', 'c']);
    expect(drain(net)).toEqual([]);
    expect(net.stats.cut).toBe(2);
    net.healAll();
    expect(net.partitioned).toBe(false);
    send(net, 1, 'c', 'b');
    expect(drain(net)).toHaveLength(1);
  });

  it('copies Raft messages so that no object is shared with the sender', () => {
    const data = new Uint8Array([1, 2, 3]);
    const m: Message = {
      type: 'app',
      from: 'n1',
      to: 'n2',
      term: 2,
      logTerm: 1,
      index: 4,
      entries: [{ term: 2, index: 5, type: 'normal', data }],
      commit: 3,
      reject: false,
      rejectHint: 0,
      context: new Uint8Array([9]),
      snapshot: { meta: { index: 3, term: 1, conf: { voters: ['n1'], learners: [] } }, data: new Uint8Array([7]) },
    };
    const copy = cloneMessage(m);
    expect(copy).toEqual(m);
    expect(copy.entries[0]?.data).not.toBe(data);
    expect(copy.context).not.toBe(m.context);
    expect(copy.snapshot?.data).not.toBe(m.snapshot?.data);
    expect(copy.snapshot?.meta.conf.voters).not.toBe(m.snapshot?.meta.conf.voters);
    data[0] = 42;
    expect(copy.entries[0]?.data[0]).toBe(1);
  });
});
