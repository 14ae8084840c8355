/**
 * A member's one port as the assembly opens it: the gRPC server with the checks every call passes
 * before a message is read, its TLS, the credentials it dials its peers with, and its metrics port.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { MemberStatus } from '../../node/api.js';
import type { NodeLogger } from '../../node/fleet-node.js';
import { memberServerName } from '../guard/member-names.js';
import type { NodeMetrics } from '../metrics.js';
import type { FramedDial } from '../peer/framed-link.js';
import type { AssemblyOptions } from './options.js';

/** What a member dials its peers (and its own port, for etcd's gateway) with. */
export interface PeerChannel {
  readonly credentials: grpc.ChannelCredentials;
  readonly optionsFor?: (peer: string) => grpc.ChannelOptions;
  /** The same, for the framed peer stream (peer/framed-link.ts). */
  readonly framedDial: (peer: string, address: string) => FramedDial;
}

/** With a CA, client certificates are required and verified (mutual TLS); without one, TLS only encrypts and proves the member. */
export function serverCredentials(opts: Pick<AssemblyOptions, 'tls'>): grpc.ServerCredentials {
  if (!opts.tls) return grpc.ServerCredentials.createInsecure();
  const ca = opts.tls.ca ? readFileSync(opts.tls.ca) : null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: readFileSync(opts.tls.cert), private_key: readFileSync(opts.tls.key) }], ca !== null);
}

/**
 * What a member presents to its peers: its certificate, and it checks that the peer it reached
 * holds the member certificate of the id it dialled (not just any certificate of the CA).
 */
export function peerChannel(opts: Pick<AssemblyOptions, 'tls'>): PeerChannel {
  if (!opts.tls) return { credentials: grpc.credentials.createInsecure(), framedDial: (_peer, address) => ({ address }) };
  const [ca, key, cert] = [opts.tls.ca ? readFileSync(opts.tls.ca) : undefined, readFileSync(opts.tls.key), readFileSync(opts.tls.cert)];
  const credentials = grpc.credentials.createSsl(ca ?? null, key, cert);
  // The name sent in SNI and checked against the certificate is the peer's id: certificates name members, and an IP there draws Node's deprecation warning.
  return {
    credentials,
    optionsFor: (peer) => ({ 'grpc.ssl_target_name_override': memberServerName(peer) }),
    framedDial: (peer, address) => ({ address, tls: { ...(ca ? { ca } : {}), key, cert, servername: memberServerName(peer) } }),
  };
}

/** Binds the server to `listen`; the port it got (the one given, or the one chosen for port 0). */
export function bindPort(server: grpc.Server, opts: Pick<AssemblyOptions, 'listen' | 'tls'>): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, serverCredentials(opts), (err, p) => (err ? reject(new Error(`cannot listen on ${opts.listen}: ${err.message}`)) : resolve(p))),
  );
}

/** Metrics exist only when they are served: prom-client costs a member several MB it would keep for nothing. */
export async function loadMetrics(opts: Pick<AssemblyOptions, 'metricsListen' | 'dataDir' | 'tls'>, status: () => MemberStatus): Promise<NodeMetrics | undefined> {
  if (!opts.metricsListen) return undefined;
  const { NodeMetrics } = await import('../metrics.js');
  const metrics = new NodeMetrics(status);
  metrics.trackDisk(opts.dataDir);
  if (opts.tls) metrics.trackCertificate(Date.parse(new X509Certificate(readFileSync(opts.tls.cert)).validTo));
  return metrics;
}

/** Binds the metrics port, or fails naming it as the metrics port. */
export async function listenMetrics(metrics: NodeMetrics, at: { host: string; port: number }): Promise<HttpServer> {
  try {
    return await metrics.listen(at.host, at.port);
  } catch (err) {
    throw new Error(`cannot listen on ${at.host}:${at.port} (metrics): ${(err as Error).message}`, { cause: err });
  }
}

/**
 * What the member creates in its data dir is 0700/0600 (PRIVATE_FILES); a data dir it was given
 * that others may read is the operator's to tighten, so it is named once, as etcd does.
 */
export function warnIfShared(dataDir: string, logger: NodeLogger): void {
  const mode = statSync(dataDir, { throwIfNoEntry: false })?.mode;
  if (mode !== undefined && (mode & 0o077) !== 0) {
    logger.warn({ dataDir, mode: (mode & 0o777).toString(8) }, `the data dir is open to other users (mode ${(mode & 0o777).toString(8)}): chmod 700 ${dataDir}; what the member creates in it is 0700/0600`);
  }
}
