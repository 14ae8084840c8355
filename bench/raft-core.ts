import { RawNode } from '../src/core/raft/raw-node.js';
import type { Message, NodeId } from '../src/core/raft/types.js';
import type { BenchFigure } from './figures.js';

/**
 * How many entries per second a 3-node in-memory cluster commits through the core alone:
 * no disk, no network, instant delivery, the host loop of a real node otherwise (batched
 * proposals, Ready handling, advance). The core must never be the node's bottleneck.
 */
export async function benchRaftCore(opts: { quick: boolean }): Promise<BenchFigure[]> {
  const ids: NodeId[] = ['n1', 'n2', 'n3'];
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const nodes = new Map(ids.map((id) => [id, new RawNode({ id, heartbeatTicks: 1, electionTicks: 10, random }, { bootstrap: { voters: ids, learners: [] } })]));
  const leader = nodes.get('n1')!;
  leader.campaign();
  const appliedBy = new Map(ids.map((id) => [id, 0]));
  const pump = () => {
    let moved = true;
    while (moved) {
      moved = false;
      const queue: Message[] = [];
      for (const [id, n] of nodes) {
        while (n.hasReady()) {
          moved = true;
          const rd = n.ready();
          queue.push(...rd.messages, ...rd.messagesAfterPersist);
          appliedBy.set(id, appliedBy.get(id)! + rd.committedEntries.length);
          n.advance(rd);
        }
      }
      for (const m of queue) nodes.get(m.to)!.step(m);
    }
  };
  pump();
  const payload = new Uint8Array(100).fill(7);
  const batch = 256;
  const total = opts.quick ? 500_000 : 2_000_000;
  const datas = new Array<Uint8Array>(batch).fill(payload);
  const startApplied = appliedBy.get('n1')!;
  const t0 = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += batch) {
    const r = leader.propose(datas);
    if (!r.ok) throw new Error(`proposal refused: ${r.error}`);
    pump();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const committed = appliedBy.get('n1')! - startApplied;
  const rate = committed / seconds;
  return [{ area: 'raft-core', name: 'core_entries_per_s', unit: 'entries/s', fleet: Math.round(rate), etcd: null, goal: '>= 200000', met: rate >= 200_000 }];
}
