/**
 * Drills against an etcd cluster whose members run on this machine. The engine only needs a
 * probe of the members' status, a fault injector and register clients; here they speak etcd's
 * Maintenance.Status and KV API and signal the etcd processes by pid, so the workload, the
 * fault timing, the measurements (new leader, client-visible unavailability, catch-up by raft
 * applied index) and the safety checks are the very same code as for fleet's members.
 *
 * Members are named by their etcd names (n1, n2, … in a local cluster), as the manifest names them.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { EtcdClient, hostPort, isRetryable, type EtcdMember, type EtcdStatus } from '../../client/etcd/index.js';
import { FleetClientError, type EndpointStatus, type MemberStatus, type TlsFiles } from '../../client/index.js';
import { PROBE_CHANNEL_OPTIONS } from '../local-cluster/health.js';
import type { RegisterClient } from './register-client.js';
import { DRILL_NAMESPACE } from './register-client.js';
import type { ClusterProbe } from './steady-state.js';

/** Deadline of a status probe: the watch must not stall on a member that does not answer. */
const PROBE_TIMEOUT_MS = 500;
/** Deadline of a workload operation with its retries: past it, the outcome is unknown. */
const OP_DEADLINE_MS = 10_000;
/** Pause before another attempt: clientv3's retry interceptor waits 25 ms between attempts. */
const RETRY_WAIT_MS = 25;

/** How to reach the cluster. */
export interface EtcdDrillTarget {
  readonly endpoints: readonly string[];
  readonly tls?: TlsFiles | undefined;
  readonly user?: { readonly name: string; readonly password: string } | undefined;
  /** A fleet member's token: the etcd API that fleet's members serve (`--workload etcd`) asks for it as fleet.v1 does. */
  readonly token?: string | undefined;
}

/** One member as the drill names it: its etcd name and client address, by etcd's decimal id. */
interface Named {
  readonly name: string;
  readonly address: string;
  readonly voter: boolean;
}

/** The membership by etcd id, read from the first member that answers. */
async function membership(client: EtcdClient): Promise<Map<string, Named>> {
  let last: unknown;
  for (const ep of client.endpoints) {
    try {
      const members = await client.memberList(ep, 2_000);
      return new Map(members.map((m) => [m.id, named(m)]));
    } catch (err) {
      last = err;
    }
  }
  throw new FleetClientError('unavailable', `no etcd member answered at ${client.endpoints.join(', ')}: ${(last as Error | undefined)?.message ?? 'no endpoints'}`);
}

function named(m: EtcdMember): Named {
  const address = m.clientUrls[0] === undefined ? '' : hostPort(m.clientUrls[0]);
  return { name: m.name === '' ? m.id : m.name, address, voter: !m.isLearner };
}

/** A probe of etcd members in the shape the drill reads. Invariant: one client for all, closed by `close()`. */
export async function etcdClusterProbe(target: EtcdDrillTarget): Promise<ClusterProbe> {
  // Reconnects within 100 ms, as fleet's probe does (connect.ts): catch-up is the member's time, not a back-off's.
  const client = new EtcdClient({ endpoints: target.endpoints, callTimeoutMs: PROBE_TIMEOUT_MS, channelOptions: PROBE_CHANNEL_OPTIONS, ...(target.tls === undefined ? {} : { tls: target.tls }), ...(target.user === undefined ? {} : { user: target.user }) });
  let members: Map<string, Named>;
  try {
    members = await membership(client);
  } catch (err) {
    client.close();
    throw err;
  }
  const probeOne = async (address: string): Promise<EndpointStatus> => {
    const t0 = performance.now();
    try {
      const s = await client.status(address);
      return { endpoint: address, ok: true, reachable: true, rttMs: performance.now() - t0, status: memberStatus(s, address, members) };
    } catch (err) {
      const error = new FleetClientError('unavailable', `etcd at ${address}: ${(err as Error).message}`, { endpoint: address, cause: err });
      return { endpoint: address, ok: false, reachable: false, rttMs: performance.now() - t0, error };
    }
  };
  return {
    statusAll: (addresses) => Promise.all((addresses ?? [...members.values()].map((m) => m.address)).map(probeOne)),
    close: () => client.close(),
  };
}

/** etcd's Status as fleet's MemberStatus: raftIndex is the member's commit index; what etcd does not report is zero. */
function memberStatus(s: EtcdStatus, address: string, members: ReadonlyMap<string, Named>): MemberStatus {
  const nameOf = (id: string) => members.get(id)?.name ?? id;
  const leaderId = s.leaderId === '0' ? '' : nameOf(s.leaderId);
  return {
    id: nameOf(s.memberId),
    address,
    clusterName: 'etcd',
    role: s.memberId === s.leaderId ? 'leader' : 'follower',
    term: s.raftTerm,
    leaderId,
    leaderAddress: s.leaderId === '0' ? '' : (members.get(s.leaderId)?.address ?? ''),
    commitIndex: s.raftIndex,
    appliedIndex: s.raftAppliedIndex,
    lastIndex: s.raftIndex,
    snapshotIndex: 0,
    members: [...members.values()].map((m) => ({ id: m.name, address: m.address, voter: m.voter })),
    progress: [],
    lastContactMs: 0,
    uptimeMs: 0,
    version: s.version,
    rssBytes: 0,
    snapshotsTaken: 0,
    elections: 0,
    repair: null,
    repairsCompleted: 0,
    // A full backend shows as etcd's NOSPACE alarm, which fleet status reads; the drill does not.
    storage: 'unknown',
  };
}

/** A workload client factory over one etcd client per workload client; `close()` ends them all. */
export function etcdWorkloadClients(target: EtcdDrillTarget, opTimeoutMs: number): { newClient(prefix: string): RegisterClient; close(): void } {
  const clients: EtcdClient[] = [];
  return {
    newClient: (prefix) => {
      const client = new EtcdClient({
        endpoints: target.endpoints,
        callTimeoutMs: opTimeoutMs,
        ...(target.tls === undefined ? {} : { tls: target.tls }),
        ...(target.user === undefined ? {} : { user: target.user }),
        ...(target.token === undefined ? {} : { bearerToken: target.token }),
      });
      clients.push(client);
      return etcdRegisterClient(client, `${DRILL_NAMESPACE}/${prefix}`);
    },
    close: () => {
      for (const c of clients) c.close();
    },
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

/**
 * Whether the request certainly never left this process (no connection): then a write may be
 * retried safely. Only grpc-js's words for a call that found no connection count: a call whose
 * connection dropped under it ("Connection dropped", a reset stream) may have been applied.
 */
function neverSent(err: unknown): boolean {
  return err instanceof FleetClientError && err.grpcCode === grpcStatus.UNAVAILABLE && /No connection established|ECONNREFUSED/.test(err.message);
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
