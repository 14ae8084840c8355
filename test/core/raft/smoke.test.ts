import { describe, expect, it } from 'vitest';
import { TestNetwork, bytes, text } from './harness.js';

describe('raft smoke', () => {
  it('elects a leader and replicates a proposal to everyone', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.leaders()).toEqual(['n1']);
    const r = net.get('n1').node.propose([bytes('hello')]);
    expect(r.ok).toBe(true);
    net.settleCommitted();
    for (const id of ['n1', 'n2', 'n3']) {
      const applied = net.get(id).applied.filter((e) => e.type === 'normal').map((e) => text(e.data));
      expect(applied).toEqual(['hello']);
    }
  });
});
