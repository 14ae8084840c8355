/**
 * Bounds on the TCP connections a member holds, on the member and per remote address. Each one
 * costs a file descriptor and an HTTP/2 session before any credential is seen: 20,000 of them
 * took a member to its descriptor limit (clients locked out, a snapshot failed with EMFILE).
 *
 * grpc-js creates its listeners inside `bindAsync` and has no option for either bound, so once
 * bound they are reached through the server's listener table and a connection beyond a bound
 * is closed as it is accepted, before TLS or HTTP/2 (the client sees UNAVAILABLE and retries,
 * perhaps at another member). The table is grpc-js's, not public: `limitConnections` throws when
 * it is not where it was (an upgrade changed it), and a test holds a member to its bound.
 */
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { checkInvariant } from '../../invariant.js';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { RepeatedWarnings, withHeld } from './repeated-warnings.js';

/** Why a connection was closed as it arrived or before its first request. */
export type RefusalReason = 'member' | 'address' | 'idle' | 'evicted';

/** The bounds, and where a refusal is reported (counted and logged by the caller). */
export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly onRefused?: ((address: string, why: RefusalReason) => void) | undefined;
  /**
   * At the member's bound, closes the oldest connection that has sent no request yet (the front's,
   * authority-front.ts), if any, so that a newcomer gets in: a flood of idle sockets then holds
   * only sockets that its own newer ones push out, and a client that sends its request at once
   * is never locked out by it.
   */
  readonly makeRoom?: (() => boolean) | undefined;
}

/** Connections open now, in total and by remote address. */
export interface ConnectionCounts {
  readonly total: () => number;
  readonly from: (address: string) => number;
}

/**
 * The listeners of a bound grpc-js server: the keys of its private `http2Servers` map (grpc-js
 * 1.14, server.js), which no type declares. What the guard needs of each is its events (it puts
 * itself in front of 'connection'), so that is what they are checked to be. Checked, not assumed:
 * should grpc-js keep them elsewhere, this throws rather than leave the member without its
 * connection limits.
 */
export function listenersOf(server: GrpcServer): EventEmitter[] {
  const table: unknown = Reflect.get(server, 'http2Servers');
  if (!(table instanceof Map)) throw new Error('grpc-js no longer keeps its listeners in Server.http2Servers: connection limits cannot be applied (see connection-limit.ts)');
  const listeners: EventEmitter[] = [];
  for (const key of table.keys()) {
    if (!(key instanceof EventEmitter)) throw new Error('grpc-js\'s Server.http2Servers no longer maps listeners: connection limits cannot be applied (see connection-limit.ts)');
    listeners.push(key);
  }
  return listeners;
}

/**
 * Applies the bounds to every listener `server` has bound (call after `bindAsync`). The counts
 * are those of accepted sockets not yet closed, and no accepted socket makes its address's count
 * exceed `maxConnectionsPerAddress`, or the total exceed `maxConnections` but for sockets
 * `makeRoom` closed whose 'close' has not come yet (checked as each socket is admitted).
 */
export function limitConnections(server: GrpcServer, limits: ConnectionLimits): ConnectionCounts {
  const byAddress = new Map<string, number>();
  let total = 0;
  const admit = (socket: Socket): boolean => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = byAddress.get(address) ?? 0;
    const roomMade = total >= limits.maxConnections && (limits.makeRoom?.() ?? false);
    const full = total >= limits.maxConnections && !roomMade;
    const why = full ? 'member' : fromAddress >= limits.maxConnectionsPerAddress ? 'address' : undefined;
    if (why !== undefined) {
      // Closed before grpc-js sees it: no TLS handshake, no HTTP/2 session, no memory kept.
      socket.destroy();
      limits.onRefused?.(address, why);
      return false;
    }
    total++;
    byAddress.set(address, fromAddress + 1);
    checkInvariant(fromAddress + 1 <= limits.maxConnectionsPerAddress && (total <= limits.maxConnections || roomMade), 'connection-limits', () => `admitted a socket from ${address}: ${fromAddress + 1} from it (limit ${limits.maxConnectionsPerAddress}), ${total} in all (limit ${limits.maxConnections})`);
    socket.once('close', () => {
      total--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left === 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
    return true;
  };
  for (const listener of listenersOf(server)) {
    // In front of every 'connection' listener: the ones of Node's TLS and HTTP/2 servers must not
    // see a refused socket at all (they would start a handshake or a session on it).
    const emit = listener.emit.bind(listener) as (event: string | symbol, ...args: unknown[]) => boolean;
    listener.emit = ((event: string | symbol, ...args: unknown[]) => (event === 'connection' && !admit(args[0] as Socket) ? false : emit(event, ...args))) as typeof listener.emit;
  }
  return { total: () => total, from: (address) => byAddress.get(address) ?? 0 };
}

/**
 * The connections a member closed, by reason: counted for `fleet_connections_refused_total` and
 * said in the log through the member's one limiter of repeated warnings (repeated-warnings.ts),
 * one line per reason a minute at most: a flood would otherwise write a line per socket.
 */
export class ConnectionRefusals {
  readonly counts = new Map<RefusalReason, number>();
  private readonly lines: RepeatedWarnings;

  constructor(
    private readonly warn: (obj: object, msg: string) => void,
    now: () => number,
  ) {
    this.lines = new RepeatedWarnings(LINE_EVERY_MS, now);
  }

  refused(address: string, why: RefusalReason): void {
    this.counts.set(why, (this.counts.get(why) ?? 0) + 1);
    const line = this.lines.take(why);
    if (line !== undefined) this.warn({ address, reason: why, heldBack: line.held }, withHeld(`a connection from ${address} was closed: ${REASONS[why]}`, line.held, LINE_EVERY_MS));
  }
}

const LINE_EVERY_MS = 60_000;

const REASONS: Readonly<Record<RefusalReason, string>> = {
  member: 'the member held its connection limit',
  address: 'its address held its connection limit',
  idle: 'it sent no request within the handshake window',
  evicted: 'it had sent no request when the member, at its limit, made room for a newcomer',
};
