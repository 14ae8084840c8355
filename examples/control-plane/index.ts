/**
 * A control plane on fleet: every write goes through the leader, reads are served by any
 * member, and a read that must see a write (read-your-writes) carries that write's commit
 * index as `minIndex` — a token that can travel to another process, as here from the writer
 * to a reader pinned to a follower.
 *
 * Run against a cluster: FLEET_ENDPOINTS=127.0.0.1:7781,… node --import tsx examples/control-plane/index.ts
 * (or with a context: FLEET_CONTEXT=prod, or the current one). It prints one line per step.
 */
import { connect, FleetClientError } from 'fleet';

const writer = await connect();
try {
  // Writes go to the leader; the answer carries the Raft index the write committed at.
  const written = await writer.kvPut('config/max-replicas', '5', { ns: 'control-plane' });
  console.log(`wrote config/max-replicas at index ${written.index} through the leader`);

  // A reader that prefers a follower (the first endpoint is the one reads try first).
  const statuses = await writer.statusAll();
  const follower = statuses.find((s) => s.ok && s.status.role === 'follower');
  if (follower === undefined) throw new Error('no follower answered: this example needs a cluster of three or more');
  const others = writer.endpoints.filter((e) => e !== follower.endpoint);
  const reader = await connect({ endpoints: [follower.endpoint, ...others] });
  try {
    // Read-your-writes by token: the follower answers once it has applied the write's index.
    let servedBy = '';
    const entry = await reader.kvGet('config/max-replicas', {
      ns: 'control-plane',
      consistency: { minIndex: written.index },
      onServed: (s) => (servedBy = `${s.member} at applied index ${s.appliedIndex}`),
    });
    console.log(`read ${entry?.value ?? '(absent)'} from ${servedBy} (min index ${written.index})`);

    // A linearizable read: through the leader, sees every write acknowledged before it began.
    const linear = await reader.kvGet('config/max-replicas', { ns: 'control-plane', consistency: 'linearizable' });
    console.log(`linearizable read: ${linear?.value ?? '(absent)'}`);
  } finally {
    reader.close();
  }
} catch (err) {
  if (!(err instanceof FleetClientError)) throw err;
  console.error(`failed: ${err.message} (code ${err.code ?? err.kind}, retryable ${err.retryable})`);
  process.exitCode = 1;
} finally {
  writer.close();
}
