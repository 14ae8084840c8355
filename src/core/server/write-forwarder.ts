/**
 * fleet.v1's unary Write on a follower, forwarded to the leader (issue 35): clients behind one
 * load-balanced or anycast address reach some member, not necessarily the leader, and should not
 * have to follow redirects. The follower sends the same request to the leader's client port with
 * the caller's token and `user@host` (so the leader authorizes and audits the caller, not the
 * follower), marked so that it is forwarded once at most, and passes the leader's answer back,
 * refusals included (their metadata carries the registry's answer).
 *
 * A client that prefers the redirect (fleet's own, which then talks to the leader directly) sends
 * `fleet-prefer-redirect` and gets NOT_LEADER with the leader hint, as before. When the leader
 * could not be reached, the path stays open for a moment (a circuit breaker): calls meanwhile
 * answer UNAVAILABLE with the hint at once, instead of each waiting for a connection that fails.
 *
 * The same path carries an audit record of an admin effect that landed on this follower
 * (Admin.RecordAudit, member-audit.ts): the leader alone can propose it.
 */
import { Metadata, status, type ChannelCredentials, type ChannelOptions, type Client, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { loadFleetProto, METADATA } from '../../proto/index.js';
import type * as wire from '../../proto/index.js';
import type { NodeError } from '../node/api.js';

/** Metadata a client sends to be redirected (NOT_LEADER with the hint) rather than forwarded. */
export const PREFER_REDIRECT_METADATA = METADATA.preferRedirect;
/** Metadata that marks a forwarded write: its receiver answers NOT_LEADER rather than forward again. */
export const FORWARDED_BY_METADATA = 'fleet-forwarded-by';

/** How long the path to a leader that could not be reached stays open (no forwarding to it). */
export const BREAKER_OPEN_MS = 2_000;
const FORWARD_TIMEOUT_MS = 10_000;

export interface WriteForwarderOptions {
  readonly memberId: string;
  /** How this member reaches another's client port (its peer channel's credentials). */
  readonly credentials: ChannelCredentials;
  readonly optionsFor?: ((peer: string) => ChannelOptions) | undefined;
  /** The clock the breaker is timed by (tests); deadlines are wall-clock times. */
  readonly now?: () => number;
}

type WriteClient = Client & { Write(req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: unknown) => void): void };
type AuditClient = Client & { RecordAudit(req: wire.RecordAuditRequest, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null) => void): void };

export class WriteForwarder {
  private readonly leaders = new Map<string, WriteClient>();
  private readonly admins = new Map<string, AuditClient>();
  private readonly openUntil = new Map<string, number>();

  constructor(private readonly o: WriteForwarderOptions) {}

  /** Whether a write refused with `err` on this member should go to the leader instead. */
  shouldForward(metadata: Metadata, err: NodeError): boolean {
    return err.code === 'NOT_LEADER' && err.leaderAddress !== '' && metadata.get(PREFER_REDIRECT_METADATA).length === 0 && metadata.get(FORWARDED_BY_METADATA).length === 0;
  }

  /** The leader's answer to `request`, or the status to fail the caller's call with (the leader's own, or UNAVAILABLE with the hint). */
  forward(request: unknown, metadata: Metadata, hint: NodeError, deadline?: number): Promise<{ response: unknown } | { refusal: Partial<StatusObject> }> {
    const now = (this.o.now ?? Date.now)();
    if ((this.openUntil.get(hint.leaderAddress) ?? 0) > now) return Promise.resolve({ refusal: this.unreachable(hint, 'could not be reached just now') });
    const client = this.clientOf(hint.leaderId, hint.leaderAddress);
    const until = Math.min(deadline ?? Infinity, Date.now() + FORWARD_TIMEOUT_MS);
    return new Promise((resolve) => {
      client.Write(request, this.forwardedMetadata(metadata), { deadline: until }, (err, res) => {
        if (!err) return resolve({ response: res });
        // No answer from the leader at all (not a refusal it made): open the breaker.
        if (err.code === status.UNAVAILABLE && err.metadata.get(METADATA.errorCode).length === 0 && err.metadata.get(METADATA.leaderAddress).length === 0) {
          this.openUntil.set(hint.leaderAddress, (this.o.now ?? Date.now)() + BREAKER_OPEN_MS);
          return resolve({ refusal: this.unreachable(hint, `could not be reached: ${err.details}`) });
        }
        resolve({ refusal: { code: err.code, details: err.details, metadata: err.metadata } });
      });
    });
  }

  /** Records `request` in the audit log at the leader `hint` names, with the caller's credentials; rejects with the status that refused it. */
  recordAudit(request: wire.RecordAuditRequest, metadata: Metadata, hint: NodeError): Promise<void> {
    if ((this.openUntil.get(hint.leaderAddress) ?? 0) > (this.o.now ?? Date.now)()) return Promise.reject(new Error(this.unreachable(hint, 'could not be reached just now').details));
    let client = this.admins.get(hint.leaderAddress);
    if (client === undefined) {
      const Admin = loadFleetProto().fleet.v1.Admin as unknown as new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => AuditClient;
      client = new Admin(hint.leaderAddress, this.o.credentials, this.o.optionsFor?.(hint.leaderId) ?? {});
      this.admins.set(hint.leaderAddress, client);
    }
    const call = client;
    return new Promise((resolve, reject) => call.RecordAudit(request, this.forwardedMetadata(metadata), { deadline: Date.now() + FORWARD_TIMEOUT_MS }, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    for (const c of [...this.leaders.values(), ...this.admins.values()]) c.close();
    this.leaders.clear();
    this.admins.clear();
  }

  /** UNAVAILABLE with the leader hint: the caller may retry, here or at the leader itself. */
  private unreachable(hint: NodeError, why: string): Partial<StatusObject> {
    const md = new Metadata();
    md.set(METADATA.leaderId, hint.leaderId);
    md.set(METADATA.leaderAddress, hint.leaderAddress);
    md.set(METADATA.errorCode, 'NOT_LEADER');
    return { code: status.UNAVAILABLE, details: `${this.o.memberId} is not the leader, and the leader ${hint.leaderId} at ${hint.leaderAddress} ${why}; retry`, metadata: md };
  }

  /** The caller's token and `user@host`, and the mark that this member forwarded it. */
  private forwardedMetadata(from: Metadata): Metadata {
    const md = new Metadata();
    for (const key of [METADATA.authorization, METADATA.actor]) for (const v of from.get(key)) md.add(key, v);
    md.set(FORWARDED_BY_METADATA, this.o.memberId);
    return md;
  }

  private clientOf(leaderId: string, address: string): WriteClient {
    let client = this.leaders.get(address);
    if (client === undefined) {
      const Fleet = loadFleetProto().fleet.v1.Fleet as unknown as new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => WriteClient;
      client = new Fleet(address, this.o.credentials, this.o.optionsFor?.(leaderId) ?? {});
      this.leaders.set(address, client);
    }
    return client;
  }
}
