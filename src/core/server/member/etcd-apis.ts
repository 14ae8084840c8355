/**
 * etcd's v3 API on an assembled member (issue 36): the keyspace every member replicates, over
 * gRPC and etcd's JSON gateway on the one client port. Loaded by serve-apis.ts only when etcd is
 * asked for.
 */
import { parseHostPort } from '../../../common/addresses.js';
import type { FleetMember } from '../../node/fleet-member.js';
import { createEtcdServices } from '../etcd-api/etcd-kv-service.js';
import { createEtcdLockServices } from '../etcd-api/etcd-lock-service.js';
import { createEtcdWatchService } from '../etcd-api/etcd-watch-service.js';
import { lazyEtcdServices } from '../etcd-api/etcd-wire.js';
import { etcdGateway, type Gateway } from '../etcd-api/gateway/gateway.js';
import { StreamBudget } from '../guard/bounds.js';
import { withTxnOpsLimit } from '../guard/request-limits.js';
import type { AssembledMember } from './assembled-member.js';

/** The etcd server version a member's etcd API reports (Maintenance.Status): the API level it speaks. */
const ETCD_API_VERSION = '3.4.0';

/** Registers etcd's services on the member, and its JSON gateway once the port is bound. */
export function serveEtcdApi(member: AssembledMember): void {
  const { opts, server, auth, clusterId, leaderPath, limitRefusals, bounds } = member.pieces;
  const node = member.node;
  const etcdDefs = lazyEtcdServices();
  // Every long-lived etcd stream counts against one budget: a member holds what each costs
  // (watchers, relayed keep-alives, observed prefixes) whichever service it came through.
  const streams = new StreamBudget('etcd stream', bounds.maxEtcdStreams, bounds.maxEtcdStreamsPerAddress, limitRefusals.counter('etcd-streams'));
  const services = createEtcdServices(node, { auth, clusterId: () => clusterId.current(), forward: leaderPath, version: ETCD_API_VERSION, tls: opts.tls !== undefined, quotaBytes: opts.etcdQuotaBytes, limitRefusals, streams });
  // A Txn's operations are counted on its bytes before protobuf decodes it (request-limits.ts).
  server.addService(withTxnOpsLimit(etcdDefs.KV), services.kv);
  server.addService(etcdDefs.Lease, services.lease);
  server.addService(etcdDefs.Maintenance, services.maintenance);
  server.addService(etcdDefs.Cluster, services.cluster);
  server.addService(etcdDefs.Auth, services.auth);
  const recipes = createEtcdLockServices(node, { auth, header: services.header, invoke: services.invoke, streams });
  server.addService(etcdDefs.Lock, recipes.lock);
  server.addService(etcdDefs.Election, recipes.election);
  server.addService(etcdDefs.Watch, createEtcdWatchService(node, { auth, clusterId: () => clusterId.current(), progressNotifyMs: opts.etcdProgressNotifyMs, limitRefusals, streams }));
  member.add({ close: () => services.close() });
  let gateway: Gateway | undefined;
  member.add({
    bound: (port) => {
      gateway = startGateway(member, port);
      return { onHttp1: (s) => gateway!.accept(s), onHttp2: (...a) => gateway!.acceptStream(...a) };
    },
    close: () => gateway?.close(),
  });
}

/**
 * etcd's JSON gateway on the client port: each request a gRPC call on the member's own port, as a
 * client on this host makes it (the member's own certificate where the port is TLS).
 */
function startGateway(member: AssembledMember, port: number): Gateway {
  const { opts, channel, limitRefusals } = member.pieces;
  const { host } = parseHostPort(opts.listen, '--listen');
  const dialled = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return etcdGateway({
    target: `${dialled.includes(':') ? `[${dialled}]` : dialled}:${port}`,
    credentials: channel.credentials,
    channelOptions: channel.optionsFor?.(opts.id) ?? {},
    version: ETCD_API_VERSION,
    healthy: () => etcdHealthy(member.node),
    limitRefusals,
  });
}

/** etcd's /health: a committed read (so a leader that still leads) within a second, and no alarm raised. */
async function etcdHealthy(member: FleetMember): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
  const read = member.readEtcd(true, (store) => store.alarms.length === 0).then((r) => r.value);
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}
