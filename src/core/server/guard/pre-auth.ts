/**
 * Credentials checked from metadata, before a message body is read. grpc-js reads and decodes a
 * call's message (up to the receive limit, 64 MiB here) before the handler runs, so a check in
 * the handler alone lets anyone who reaches the port make a member decode whatever they send:
 * one tokenless 8 MB rebind batch stalled a leader's event loop into an election. This server
 * interceptor sees the metadata first and refuses a call without the credentials its service
 * needs (the role of its RPC, rpc-roles.ts) before asking for the message; the handlers still
 * authorize as before (and name the actor), and check each decoded write's own role. It checks
 * presence and, for tokens, the value; a peer handshake's signature, freshness and nonce are the
 * transport's to verify once (peer-auth.ts), as a replay check must see it once.
 */
import { ServerInterceptingCall, status, type Metadata, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import { authorizePath, checksTokens, type AuthOptions } from './auth.js';
import { PEER_AUTH_METADATA, PEER_ID_METADATA, type PeerRejection } from './peer-auth.js';
import { isEtcdPath, rpcRequirement } from './rpc-roles.js';

/** What the interceptor checks, and where it reports a refused peer (counted and logged, as the transport does). */
export interface PreAuthOptions {
  readonly auth: AuthOptions;
  /** The peer secret's presence: with one, a Peer call must carry a handshake. */
  readonly peerSecret: boolean;
  readonly onPeerRefused: (source: string, claimedId: string, rejection: PeerRejection) => void;
}

/**
 * The interceptor: refuse on metadata, or pass the call on untouched. A call that nothing could
 * refuse (no tokens to check for its role, no peer secret for a Peer stream, a service outside
 * fleet.v1's roles) is not wrapped at all: grpc-js would pass every message of a wrapped stream
 * through one more listener, the peers' Raft streams included, for nothing.
 */
export function preAuthInterceptor(o: PreAuthOptions): ServerInterceptor {
  const tokens = checksTokens(o.auth);
  // etcd's users may be asked for at any time (etcd's auth enabled through the log): etcd's calls are always checked where they can be.
  const etcdUsers = o.auth.etcdUsers !== undefined;
  return (method, call) => {
    const needed = rpcRequirement(method.path);
    // grpc-js types the result as its class, but chains interceptors through the interface it takes (server-interceptors.js).
    if (needed === undefined || (needed === 'peer' ? !o.peerSecret : !tokens && !(etcdUsers && isEtcdPath(method.path)))) return call as ServerInterceptingCall;
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            const refusal = refusalOf(method.path, metadata, o, call.getPeer());
            // Not forwarding the metadata means the handler never starts, and no message is read.
            if (refusal === undefined) forward(metadata);
            else call.sendStatus({ code: refusal.code ?? status.UNAUTHENTICATED, details: refusal.details ?? 'refused' });
          },
        }),
    });
  };
}

/** The refusal of a call from its metadata alone: the role its RPC needs (rpc-roles.ts), or a peer handshake. */
function refusalOf(path: string, metadata: Metadata, o: PreAuthOptions, source: string): Partial<StatusObject> | undefined {
  const needed = rpcRequirement(path);
  if (needed === undefined) return undefined;
  if (needed !== 'peer') return authorizePath(path, metadata, o.auth);
  if (!o.peerSecret || metadata.get(PEER_AUTH_METADATA).length > 0) return undefined;
  const claimed = metadata.get(PEER_ID_METADATA)[0];
  const rejection: PeerRejection = { reason: 'no-credentials', detail: 'no peer handshake' };
  o.onPeerRefused(source, typeof claimed === 'string' ? claimed : '', rejection);
  return { code: status.UNAUTHENTICATED, details: `peer refused (${rejection.reason}): ${rejection.detail}` };
}
