/**
 * A per-cluster operator on fleet: on first contact a cluster binds to a shard, and the binding
 * holds — contacting it again for the same shard changes nothing, and binding it to another
 * shard is refused with a typed ALREADY_BOUND error that names the shard it is bound to.
 *
 * Run against a cluster: FLEET_ENDPOINTS=127.0.0.1:7781,… node --import tsx examples/cluster-operator/index.ts
 * It prints one line per step.
 */
import { connect, FleetClientError } from 'fleet';

const client = await connect();
try {
  for (const id of ['shard-a', 'shard-b']) {
    await client.registerShard({ id, address: `${id}.internal:443`, region: 'eu-1', zone: 'eu-1a', capacity: 100, labels: {} });
  }
  const first = await client.contact('payments', 'shard-a');
  console.log(`payments bound to ${first.cluster.shard} (created ${first.created}, generation ${first.cluster.generation})`);

  const again = await client.contact('payments', 'shard-a');
  console.log(`contact again: still ${again.cluster.shard} (newly bound: ${again.bound})`);

  try {
    await client.contact('payments', 'shard-b');
    console.log('unexpected: bound to a second shard');
    process.exitCode = 1;
  } catch (err) {
    if (!(err instanceof FleetClientError) || err.code !== 'ALREADY_BOUND') throw err;
    console.log(`refused: ${err.code}, payments is bound to ${err.details.currentShard} (retryable ${err.retryable})`);
  }
} finally {
  client.close();
}
