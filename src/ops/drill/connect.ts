/**
 * From a target (endpoints, credentials, and where the members' processes are) to what the
 * engine runs with: the probe, the fault injector and the workload's clients.
 *
 * How faults reach members, in order of preference:
 * 1. `pids` given (`--pids n1=123,…`): signals to those processes, each validated against the
 *    member it claims to be; a restart re-runs the member's own command line.
 * 2. a local cluster (a context made by `fleet init`): its pid files and launcher.
 * 3. otherwise the Drills admin API (members started with `--enable-drills`, admin token).
 * Partitions always go through the Drills API: they happen inside the member's transport.
 */
import { basename, dirname } from 'node:path';
import { FleetClient, type TlsFiles } from '../../client/index.js';
import { CliError, EXIT } from '../../common/errors.js';
import { findCluster } from '../local-cluster/cluster-state.js';
import { PROBE_CHANNEL_OPTIONS } from '../local-cluster/health.js';
import { combineInjectors, type FaultInjector } from './injector.js';
import { LocalProcessInjector } from './local-injector.js';
import { processesFromPids, processesOfLocalCluster } from './member-processes.js';
import { fleetClusterProbe } from './probe.js';
import { fleetRegisterClient, type RegisterClient } from './register-client.js';
import { AdminApiInjector } from './remote-injector.js';
import { fleetSideClients, type SideClients } from './side/index.js';
import { DRILL_RECORD_DEADLINE_MS, type DrillRecorder } from './audit-trail.js';
import type { ClusterProbe, MemberRef } from './steady-state.js';

/** Where the drill's cluster is and how to reach its members. */
export interface DrillTarget {
  readonly endpoints: readonly string[];
  /** Token of the workload's calls. */
  readonly token?: string | undefined;
  /** Token of the Drills API calls (admin). */
  readonly adminToken?: string | undefined;
  readonly tls?: TlsFiles | undefined;
  /** The home directory of a local cluster (a `fleet init` context's `local.dataDir`). */
  readonly localHome?: string | undefined;
  /** Pids of the members' processes on this machine, by member id. */
  readonly pids?: ReadonlyMap<string, number> | undefined;
  /** What the members run: fleet (the default) or etcd, drilled only as a local cluster of this machine. */
  readonly engine?: 'fleet' | 'etcd' | undefined;
  /** etcd's user auth. */
  readonly user?: { readonly name: string; readonly password: string } | undefined;
  /**
   * What the workload speaks: fleet's KV (`kv`, fleet.v1) or etcd's KV API (`etcd`), which fleet's
   * members serve too. An etcd cluster speaks only `etcd`. Unset: the engine's own.
   */
  readonly workload?: DrillWorkload | undefined;
  /** Restarted members run this build (its bin/run.js) instead of the one they ran: `fleet drill upgrade`. */
  readonly launchScript?: string | undefined;
}

/** The API a drill's workload speaks. */
export type DrillWorkload = 'kv' | 'etcd';

/** What the engine needs, plus `close()` for every connection made. */
export interface DrillConnection {
  readonly probe: ClusterProbe;
  readonly injector: FaultInjector;
  newClient(prefix: string): RegisterClient;
  /** The side workloads' clients (fleet.v1), on fleet members only. */
  sideClients?: SideClients;
  /** Writes a drill's start or end record in the audit log, through the leader (admin token); absent where there is no audit log (etcd). */
  recordDrill?: DrillRecorder;
  /** Each member's log files, where the drill reaches the members' processes on this machine. */
  memberLogs?: () => ReadonlyMap<string, readonly string[]>;
  close(): Promise<void>;
}

/** Total deadline of one workload operation, its retries included: past it, the outcome is unknown. */
const OP_DEADLINE_MS = 10_000;
/** Deadline of a status probe: the watch must not stall on a member that does not answer. */
const PROBE_TIMEOUT_MS = 500;

/** The membership as any member that answers knows it. */
async function membersOf(probe: ClusterProbe): Promise<MemberRef[]> {
  const answers = await probe.statusAll();
  const known = answers.find((s) => s.ok && s.status.members.length > 0);
  if (known === undefined || !known.ok) throw new CliError(`no member answered at ${answers.map((a) => a.endpoint).join(',')}`, { exitCode: EXIT.unavailable, hint: 'fleet status' });
  return known.status.members.map((m) => ({ id: m.id, address: m.address }));
}

async function processInjector(target: DrillTarget, probe: ClusterProbe): Promise<LocalProcessInjector | undefined> {
  if (target.pids !== undefined) return new LocalProcessInjector(processesFromPids(target.pids, await membersOf(probe), target.launchScript));
  if (target.localHome === undefined) return undefined;
  const cluster = await findCluster(dirname(target.localHome), basename(target.localHome));
  if (cluster === undefined) throw new CliError(`the context names a local cluster at ${target.localHome}, but it has no manifest there`, { hint: 'fleet ps' });
  return new LocalProcessInjector(processesOfLocalCluster(cluster, target.launchScript));
}

/** Connects a drill to its target. Nothing is injected yet; pids are validated now. */
export async function connectDrill(target: DrillTarget, opTimeoutMs: number): Promise<DrillConnection> {
  if (target.engine === 'etcd') {
    if (target.workload === 'kv') throw new CliError('--workload kv needs fleet members: an etcd cluster speaks only etcd\'s KV API', { exitCode: EXIT.usage, hint: 'drop --workload, or use --workload etcd' });
    return connectEtcdDrill(target, opTimeoutMs);
  }
  const credentials = { ...(target.token === undefined ? {} : { token: target.token }), ...(target.tls === undefined ? {} : { tls: target.tls }) };
  // The probe reconnects within 100 ms: with gRPC's back-off (up to 2 s) a member that had been
  // down a second was seen up to a second after it answered, and its catch-up measured that late.
  const probe = fleetClusterProbe(target.endpoints, (address) => new FleetClient({ endpoints: [address], ...credentials, callTimeoutMs: PROBE_TIMEOUT_MS, overallTimeoutMs: PROBE_TIMEOUT_MS, channelOptions: PROBE_CHANNEL_OPTIONS }));
  const remote = new AdminApiInjector({ token: target.adminToken ?? target.token, tls: target.tls });
  const adminToken = target.adminToken ?? target.token;
  // Short attempts, so that a record reaches a new leader within the deadline after a failover.
  const recorder = new FleetClient({ endpoints: target.endpoints, ...credentials, ...(adminToken === undefined ? {} : { token: adminToken }), callTimeoutMs: 1_000, overallTimeoutMs: DRILL_RECORD_DEADLINE_MS });
  const workload = await workloadClients(target, credentials, opTimeoutMs);
  const side = sideWorkloadClients(target, credentials, opTimeoutMs);
  try {
    const local = await processInjector(target, probe);
    const injector = local === undefined ? remote : combineInjectors(local, remote);
    return {
      probe,
      injector,
      ...(local === undefined ? {} : { memberLogs: () => local.memberLogs() }),
      newClient: (prefix) => workload.newClient(prefix),
      sideClients: side.clients,
      recordDrill: (record) => recorder.recordDrill(record),
      close: async () => {
        probe.close();
        workload.close();
        side.close();
        recorder.close();
        await remote.restoreAll();
      },
    };
  } catch (err) {
    probe.close();
    workload.close();
    side.close();
    recorder.close();
    throw err;
  }
}

/** The side workloads' fleet.v1 clients, with the workload's deadlines; `close()` ends any a workload left open. */
function sideWorkloadClients(target: DrillTarget, credentials: { token?: string; tls?: TlsFiles }, opTimeoutMs: number): { clients: SideClients; close(): void } {
  const made: FleetClient[] = [];
  const newClient = (): FleetClient => {
    const client = new FleetClient({ endpoints: target.endpoints, ...credentials, callTimeoutMs: opTimeoutMs, overallTimeoutMs: Math.max(OP_DEADLINE_MS, opTimeoutMs) });
    made.push(client);
    return client;
  };
  return {
    clients: fleetSideClients(newClient),
    close: () => {
      for (const c of made.splice(0)) c.close();
    },
  };
}

/** The workload's clients on fleet's members: fleet.v1's KV, or the etcd API the same members serve. */
async function workloadClients(target: DrillTarget, credentials: { token?: string; tls?: TlsFiles }, opTimeoutMs: number): Promise<{ newClient(prefix: string): RegisterClient; close(): void }> {
  if (target.workload === 'etcd') {
    const { etcdWorkloadClients } = await import('./etcd-connect.js');
    return etcdWorkloadClients({ endpoints: target.endpoints, tls: target.tls, token: target.token }, opTimeoutMs);
  }
  const clients: FleetClient[] = [];
  return {
    newClient: (prefix) => {
      const client = new FleetClient({ endpoints: target.endpoints, ...credentials, callTimeoutMs: opTimeoutMs, overallTimeoutMs: Math.max(OP_DEADLINE_MS, opTimeoutMs) });
      clients.push(client);
      return fleetRegisterClient(client, prefix);
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

/**
 * A drill of an etcd cluster: only one this machine started (`fleet init --engine etcd`), whose
 * members' pids the manifest knows; etcd has no Drills API to fault a remote member through,
 * and no audit log to record the drill in.
 */
async function connectEtcdDrill(target: DrillTarget, opTimeoutMs: number): Promise<DrillConnection> {
  if (target.pids !== undefined) throw new CliError('--pids does not apply to an etcd cluster: drill a local etcd cluster made by fleet init --engine etcd', { exitCode: EXIT.usage });
  if (target.localHome === undefined) {
    throw new CliError('drills on etcd need the members\' processes on this machine: this etcd context is not a local cluster', { exitCode: EXIT.usage, hint: 'fleet init --engine etcd, then run the drill against its context' });
  }
  const cluster = await findCluster(dirname(target.localHome), basename(target.localHome));
  if (cluster === undefined) throw new CliError(`the context names a local cluster at ${target.localHome}, but it has no manifest there`, { hint: 'fleet ps' });
  const { etcdClusterProbe, etcdWorkloadClients } = await import('./etcd-connect.js');
  const probe = await etcdClusterProbe(target);
  const workload = etcdWorkloadClients(target, opTimeoutMs);
  const injector = new LocalProcessInjector(processesOfLocalCluster(cluster));
  return {
    probe,
    injector,
    memberLogs: () => injector.memberLogs(),
    newClient: (prefix) => workload.newClient(prefix),
    close: async () => {
      probe.close();
      workload.close();
    },
  };
}
