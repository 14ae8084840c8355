/**
 * fleet's kill-leader drill, pointed at etcd. The drill engine (src/ops/drill) only needs a
 * probe of members' status, a fault injector and register clients; here they speak etcd's
 * Maintenance.Status and KV API and signal the etcd processes this harness started. The
 * workload, the fault timing, the measurements (new leader, client-visible unavailability,
 * catch-up by raft applied index) and the safety checks are then the very same code for both.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { FleetClientError, type EndpointStatus, type MemberStatus } from '../../src/client/index.js';
import type { DrillDeps, FaultAction, FaultInjector, MemberRef, RegisterClient } from '../../src/ops/drill/index.js';
import { EtcdClient, isRetryable, type EtcdStatus } from '../../src/client/etcd/index.js';
import type { EtcdCluster } from './cluster.js';

/** Deadline of a status probe, as fleet's drill uses. */
const PROBE_TIMEOUT_MS = 500;
/** Deadline of a workload operation with its retries, as fleet's drill uses. */
const OP_DEADLINE_MS = 10_000;
/** Pause before another attempt: clientv3's retry interceptor waits 25 ms between attempts. */
const RETRY_WAIT_MS = 25;

/** Connects the drill engine to a local etcd cluster; `close()` ends every channel. */
export async function etcdDrillDeps(cluster: EtcdCluster, opTimeoutMs: number): Promise<DrillDeps & { close(): void }> {
  const probeClient = new EtcdClient({ endpoints: cluster.endpoints, callTimeoutMs: PROBE_TIMEOUT_MS });
  const members = await probeClient.memberList(cluster.endpoints[0]!);
  const names = new Map(members.map((m) => [m.id, m.name]));
  const refs = cluster.names.map((name) => ({ id: name, address: cluster.endpointOf(name) }));
  const clients: EtcdClient[] = [probeClient];
  return {
    probe: {
      statusAll: (addresses) => Promise.all((addresses ?? cluster.endpoints).map((a) => probeStatus(probeClient, a, names, refs, cluster))),
      close: () => undefined,
    },
    injector: new EtcdProcessInjector(cluster),
    newClient: (prefix) => {
      const client = new EtcdClient({ endpoints: cluster.endpoints, callTimeoutMs: opTimeoutMs });
      clients.push(client);
      return etcdRegisterClient(client, `drill/${prefix}`);
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

/** One member's status in the shape the drill reads (ids are member names, as fleet's are). */
async function probeStatus(client: EtcdClient, address: string, names: ReadonlyMap<string, string>, refs: readonly MemberRef[], cluster: EtcdCluster): Promise<EndpointStatus> {
  const t0 = performance.now();
  try {
    const s = await client.status(address);
    return { endpoint: address, ok: true, reachable: true, rttMs: performance.now() - t0, status: memberStatus(s, address, names, refs, cluster) };
  } catch (err) {
    const error = new FleetClientError('unavailable', `etcd at ${address}: ${(err as Error).message}`, { endpoint: address, cause: err });
    return { endpoint: address, ok: false, reachable: false, rttMs: performance.now() - t0, error };
  }
}

function memberStatus(s: EtcdStatus, address: string, names: ReadonlyMap<string, string>, refs: readonly MemberRef[], cluster: EtcdCluster): MemberStatus {
  const id = names.get(s.memberId) ?? s.memberId;
  const leaderId = s.leaderId === '0' ? '' : (names.get(s.leaderId) ?? s.leaderId);
  return {
    id,
    address,
    clusterName: 'etcd',
    role: s.memberId === s.leaderId ? 'leader' : 'follower',
    term: s.raftTerm,
    leaderId,
    leaderAddress: leaderId === '' ? '' : cluster.endpointOf(leaderId),
    // etcd's Status raftIndex is the member's commit index.
    commitIndex: s.raftIndex,
    appliedIndex: s.raftAppliedIndex,
    lastIndex: s.raftIndex,
    snapshotIndex: 0,
    members: refs.map((r) => ({ id: r.id, address: r.address, voter: true })),
    progress: [],
    lastContactMs: 0,
    uptimeMs: 0,
    version: s.version,
    rssBytes: 0,
    snapshotsTaken: 0,
    elections: 0,
    repair: null,
    repairsCompleted: 0,
    // The bench reads no alarms (etcd reports a full backend as its NOSPACE alarm).
    storage: 'unknown',
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** etcd's gRPC failure as the drill classifies failures (a FleetClientError of the same kind). */
function asClientError(err: unknown, endpoint: string): FleetClientError {
  const code = err instanceof FleetClientError ? err.grpcCode : undefined;
  const kind = code === grpcStatus.DEADLINE_EXCEEDED ? 'timeout' : isRetryable(err) ? 'unavailable' : 'internal';
  return new FleetClientError(kind, `etcd at ${(err as Error).message}`, { endpoint, ...(code === undefined ? {} : { grpcCode: code }), cause: err });
}

/** Whether the request certainly never left this process (no connection): then a write may be retried safely. */
function neverSent(err: unknown): boolean {
  return err instanceof FleetClientError && err.grpcCode === grpcStatus.UNAVAILABLE && /No connection established|ECONNREFUSED|connect/i.test(err.message);
}

/**
 * A RegisterClient over etcd's KV API, driven as clientv3 drives it: each attempt has the
 * drill's per-operation deadline; reads are retried on the next member; a write is retried only
 * when it certainly was not sent (clientv3's rule for mutations), otherwise its outcome is
 * unknown and the workload records it so. Starts at the first member and moves on after a failure.
 */
export function etcdRegisterClient(client: EtcdClient, prefix: string): RegisterClient {
  let current = 0;
  const key = (k: string): Buffer => Buffer.from(`${prefix}/${k}`);
  const attempt = async <T>(run: (endpoint: string) => Promise<T>, retry: (err: unknown) => boolean): Promise<T> => {
    const deadline = Date.now() + OP_DEADLINE_MS;
    for (;;) {
      const endpoint = client.endpoints[current % client.endpoints.length]!;
      try {
        return await run(endpoint);
      } catch (err) {
        if (isRetryable(err)) current++;
        if (!retry(err) || Date.now() + RETRY_WAIT_MS >= deadline) throw asClientError(err, endpoint);
        await sleep(RETRY_WAIT_MS);
      }
    }
  };
  const write = <T>(run: (endpoint: string) => Promise<T>): Promise<T> => attempt(run, neverSent);
  return {
    put: async (k, value) => void (await write((ep) => client.put(ep, key(k), Buffer.from(value)))),
    cas: async (k, expected, value) => {
      const { succeeded: done } = await write((ep) => client.compareAndPut(ep, key(k), expected === null ? null : Buffer.from(expected), Buffer.from(value)));
      if (!done) throw new FleetClientError('precondition', `compare-and-set of ${k} failed`, { code: 'CAS_FAILED' });
    },
    get: async (k) => {
      const kv = await attempt((ep) => client.get(ep, key(k)), isRetryable);
      return kv === undefined ? { value: null, version: 0 } : { value: kv.value.toString(), version: kv.version };
    },
    delete: async (k) => void (await write((ep) => client.delete(ep, key(k)))),
    close: () => client.close(),
  };
}

/** Faults by signals to the etcd processes of an EtcdCluster (never any other process). */
class EtcdProcessInjector implements FaultInjector {
  readonly kind = 'etcd-local';
  readonly #paused = new Map<string, NodeJS.Timeout>();

  constructor(readonly cluster: EtcdCluster) {}

  can(action: FaultAction): boolean {
    return action !== 'partition';
  }

  kill(member: MemberRef): Promise<void> {
    return this.cluster.kill(member.id);
  }

  async pause(member: MemberRef, ms: number): Promise<void> {
    this.cluster.signal(member.id, 'SIGSTOP');
    // A pause ends by itself even if the drill forgets it.
    this.#paused.set(member.id, setTimeout(() => void this.resume(member), ms));
  }

  async resume(member: MemberRef): Promise<void> {
    clearTimeout(this.#paused.get(member.id));
    this.#paused.delete(member.id);
    this.cluster.signal(member.id, 'SIGCONT');
  }

  async partition(): Promise<void> {
    throw new Error('etcd members cannot be partitioned by this harness');
  }

  async heal(): Promise<void> {}

  stop(member: MemberRef): Promise<void> {
    return this.cluster.kill(member.id, 'SIGTERM');
  }

  async restart(member: MemberRef): Promise<void> {
    this.cluster.restart(member.id);
  }

  async restoreAll(): Promise<void> {
    for (const id of [...this.#paused.keys()]) await this.resume({ id, address: '' });
  }

  async prepare(members: readonly MemberRef[]): Promise<void> {
    const pids = this.cluster.pids();
    const missing = members.filter((m) => !pids.has(m.id));
    if (missing.length > 0) throw new Error(`no etcd process for ${missing.map((m) => m.id).join(', ')}`);
  }
}
