/**
 * fleet.v1's unary Write on a follower, forwarded to the leader (issue 35): clients behind one
 * load-balanced or anycast address reach some member, not necessarily the leader, and should not
 * have to follow redirects. The follower sends the same request to the leader's client port with
 * the caller's token and `user@host` (so the leader authorizes and audits the caller, not the
 * follower), marked so that it is forwarded once at most, and passes the leader's answer back,
 * refusals included (their metadata carries the registry's answer).
 *
 * A client that prefers the redirect (fleet's own, which then talks to the leader directly) sends
 * `fleet-prefer-redirect` and gets NOT_LEADER with the leader hint, as before. The calls take the
 * member's one path to the leader (leader-path.ts): while its breaker is open, they answer
 * UNAVAILABLE with the hint at once, instead of each waiting for a connection that fails.
 *
 * The same path carries an audit record of an admin effect that landed on this follower
 * (Admin.RecordAudit, member-audit.ts): the leader alone can propose it, and an application's
 * command a follower of an embedding was given (fleet.v1 `Submit`, fleet/embed's `submitWrite`),
 * which every member serves.
 */
import { Metadata, status, type Client, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { loadFleetProto, METADATA } from '../../proto/index.js';
import type * as wire from '../../proto/index.js';
import type { NodeError } from '../node/api.js';
import type { LeaderHint, LeaderPath, ServiceClass } from './leader-path.js';

/** Metadata a client sends to be redirected (NOT_LEADER with the hint) rather than forwarded. */
export const PREFER_REDIRECT_METADATA = METADATA.preferRedirect;
/** Metadata that marks a forwarded write: its receiver answers NOT_LEADER rather than forward again. */
export const FORWARDED_BY_METADATA = 'fleet-forwarded-by';

export interface WriteForwarderOptions {
  readonly memberId: string;
  /** The member's one way to the leader, with its breaker (leader-path.ts). */
  readonly path: LeaderPath;
}

/**
 * A forwarded `Submit`: the leader's answer; its failure (`unreachable`: no answer from it at all,
 * the breaker counted it; `movedTo`: the member was not the leader, did not propose the command,
 * and named this one); or `held`: the breaker is open, and nothing was sent.
 */
export type SubmitForwarded =
  | { readonly response: wire.SubmitResponse__Output }
  | { readonly error: ServiceError; readonly unreachable: boolean; readonly movedTo?: LeaderHint | undefined }
  | { readonly held: true };

const fleetService = (): ServiceClass<Client> => loadFleetProto().fleet.v1.Fleet;
const adminService = (): ServiceClass<Client> => loadFleetProto().fleet.v1.Admin;

export class WriteForwarder {
  constructor(private readonly o: WriteForwarderOptions) {}

  /** Whether a write refused with `err` on this member should go to the leader instead. */
  shouldForward(metadata: Metadata, err: NodeError): boolean {
    return err.code === 'NOT_LEADER' && err.leaderAddress !== '' && metadata.get(PREFER_REDIRECT_METADATA).length === 0 && metadata.get(FORWARDED_BY_METADATA).length === 0;
  }

  /** The leader's answer to `request`, or the status to fail the caller's call with (the leader's own, or UNAVAILABLE with the hint). */
  async forward(request: unknown, metadata: Metadata, hint: NodeError, deadline?: number): Promise<{ response: unknown } | { refusal: Partial<StatusObject> }> {
    if (!this.o.path.allow(hint.leaderAddress)) return { refusal: this.unreachable(hint, 'could not be reached just now') };
    const r = await this.o.path.unary('fleet', fleetService(), 'Write', hint, request, this.forwardedMetadata(metadata), deadline);
    if ('response' in r) return r;
    if (r.unreachable) return { refusal: this.unreachable(hint, `could not be reached: ${r.error.details}`) };
    return { refusal: { code: r.error.code, details: r.error.details, metadata: r.error.metadata } };
  }

  /** Records `request` in the audit log at the leader `hint` names, with the caller's credentials; rejects with the status that refused it. */
  async recordAudit(request: wire.RecordAuditRequest, metadata: Metadata, hint: NodeError): Promise<void> {
    if (!this.o.path.allow(hint.leaderAddress)) throw new Error(this.unreachable(hint, 'could not be reached just now').details);
    const r = await this.o.path.unary('admin', adminService(), 'RecordAudit', hint, request, this.forwardedMetadata(metadata));
    if ('error' in r) throw r.error;
  }

  /**
   * Submits an application's command at the leader `hint` names with `token` (the caller's, as a
   * client would send it), on the `calls` lane: what a follower of an embedding does with a
   * `submitWrite` (src/embed). The leader's refusals come back as they are, its hint included.
   */
  async submit(request: wire.SubmitRequest, token: string | undefined, hint: LeaderHint, deadline?: number): Promise<SubmitForwarded> {
    if (!this.o.path.allow(hint.leaderAddress)) return { held: true };
    const md = new Metadata();
    if (token !== undefined) md.set(METADATA.authorization, `Bearer ${token}`);
    md.set(FORWARDED_BY_METADATA, this.o.memberId);
    const r = await this.o.path.unary('fleet', fleetService(), 'Submit', hint, request, md, deadline);
    if ('error' in r) return { ...r, movedTo: movedTo(r.error) };
    if (!isSubmitResponse(r.response)) throw new Error(`the leader ${hint.leaderId} answered Submit with ${JSON.stringify(r.response)}`);
    return { response: r.response };
  }

  /** UNAVAILABLE with the leader hint: the caller may retry, here or at the leader itself. */
  private unreachable(hint: NodeError, why: string): Partial<StatusObject> & { details: string } {
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
}

/** Whether a decoded answer is a SubmitResponse (proto-loader decodes its index as a number). */
function isSubmitResponse(r: unknown): r is wire.SubmitResponse__Output {
  return typeof r === 'object' && r !== null && typeof (r as Partial<wire.SubmitResponse__Output>).index === 'number' && typeof (r as Partial<wire.SubmitResponse__Output>).resultJson === 'string';
}

/**
 * The leader a refusal names when the member it reached was not the leader (NOT_LEADER: UNAVAILABLE
 * with the hint), so that the command was surely not proposed; undefined otherwise (a TIMEOUT
 * carries a hint too, but its command may have applied).
 */
function movedTo(err: ServiceError): LeaderHint | undefined {
  if (err.code !== status.UNAVAILABLE) return undefined;
  const [leaderId] = err.metadata?.get(METADATA.leaderId) ?? [];
  const [leaderAddress] = err.metadata?.get(METADATA.leaderAddress) ?? [];
  if (typeof leaderAddress !== 'string' || leaderAddress === '') return undefined;
  return { leaderId: typeof leaderId === 'string' ? leaderId : '', leaderAddress };
}
