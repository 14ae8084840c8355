/**
 * A worker pool on fleet: every worker registers as a member of the pool (Membership: a key tied
 * to its session's lease), takes its share of the pool's shards (ShardLeases: rendezvous hashing
 * with bounded loads over the live workers, one fenced holder per shard), and campaigns to be the
 * pool's one scheduler (Election). Kill the scheduler with -9 and, once its session's lease
 * expires, its keys are gone: another worker becomes scheduler with a larger fencing token, and
 * the dead worker's shards go to the living. Start a worker and the others hand it its share.
 *
 * Run three, each in its own terminal, against a cluster:
 *   FLEET_ENDPOINTS=127.0.0.1:7781,… node --import tsx examples/worker-pool/index.ts --name w1
 *   (w2, w3 likewise; options: --shards N (default 6), --ttl MS (the session's TTL, default 10000))
 *
 * It prints one JSON line per event (joined, acquired, lost, scheduler, schedule) and runs until
 * SIGINT or SIGTERM: then it hands its shards back, steps down and exits.
 */
import { parseArgs } from 'node:util';
import { connect, Election, FleetClientError, Membership, Session, ShardLeases } from 'fleet';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string', default: `worker-${process.pid}` },
    shards: { type: 'string', default: '6' },
    ttl: { type: 'string', default: '10000' },
  },
});

function say(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, worker: args.name, ...fields })}\n`);
}

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

const client = await connect();
const session = new Session(client, { ttlMs: Number(args.ttl) });
try {
  const membership = new Membership(session, 'worker-pool');
  await membership.join({ name: args.name, pid: String(process.pid) });
  say('joined', { session: session.id, lease: await session.lease(), pid: process.pid });

  // This worker's share of the shards: work on a shard only while holding it, passing its token along.
  const shards = new ShardLeases(membership, 'worker-pool', {
    shards: Array.from({ length: Number(args.shards) }, (_, i) => `shard-${i}`),
    onAcquired: (shard, token) => say('acquired', { shard, token }),
    onLost: (shard, token, reason) => say('lost', { shard, token, reason }),
    onError: (err) => say('error', { message: err instanceof Error ? err.message : String(err) }),
  });
  await shards.start();

  // One scheduler for the pool: it follows the membership and says who owns which shard.
  const scheduling = (async () => {
    const election = new Election(session, 'worker-pool-scheduler');
    const token = await election.campaign(args.name, { signal: stop.signal });
    say('scheduler', { token });
    for await (const change of membership.watch(stop.signal)) {
      const names = new Map(change.members.map((m) => [m.id, m.meta.name ?? m.id]));
      const owners = Object.fromEntries([...shards.owners()].map(([shard, id]) => [shard, names.get(id) ?? id]));
      say('schedule', { members: [...names.values()], joined: change.joined.map((m) => m.meta.name), left: change.left.map((m) => m.meta.name), owners });
    }
  })().catch((err: unknown) => {
    if (!(err instanceof FleetClientError && (err.code === 'ABORTED' || err.code === 'SESSION_ENDED'))) throw err;
  });

  const ended = await Promise.race([session.done, new Promise<undefined>((resolve) => stop.signal.addEventListener('abort', () => resolve(undefined)))]);
  if (ended !== undefined) {
    say('session-ended', { reason: ended.reason, message: ended.message });
    process.exitCode = 1;
  }
  stop.abort();
  await shards.stop();
  await scheduling;
} catch (err) {
  if (!(err instanceof FleetClientError)) throw err;
  console.error(`failed: ${err.message} (code ${err.code ?? err.kind}, retryable ${err.retryable})`);
  process.exitCode = 1;
} finally {
  await session.close(); // revokes the lease: the membership, the shards left and the candidacy go at once
  client.close();
}
