/**
 * Who may take part in the Raft conversation. Every peer stream is authenticated when it opens,
 * before any message on it is stepped, by one of two credentials (both when both are set):
 *
 * - mutual TLS: the member's server requires a client certificate signed by its CA; the peer
 *   service then also requires a *member* certificate (OU=fleet-member) whose CN is the id
 *   the stream claims. An operator's certificate or a client token opens no peer stream.
 * - a peer secret (a file only members hold): the opening peer signs, with HMAC-SHA256, its id,
 *   the receiver's id, the cluster, a timestamp and a fresh nonce. The secret never travels;
 *   a recorded signature is refused when replayed (nonce) or late (timestamp). It does not
 *   protect an established plaintext connection from a man in the middle, and every holder of
 *   the secret can sign as any member: across networks you do not trust, use mutual TLS.
 *
 * Once authenticated, a stream speaks for one member only: every batch and every message on it
 * must name that member as its sender (`PeerTransport.checkBatch`), and the member must be in the
 * configuration the receiver knows.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import { checkInvariant } from '../../invariant.js';

/** The metadata key that carries a peer's signed handshake. */
export const PEER_AUTH_METADATA = 'fleet-peer-auth';
/** The metadata key that names the member opening a stream (trusted only where no credential is configured). */
export const PEER_ID_METADATA = 'fleet-peer-id';
/** The OU that marks a certificate as a member's (an operator's certificate has another). */
export const MEMBER_CERT_OU = 'fleet-member';
/** How far a handshake's timestamp may be from the receiver's clock (clocks of members may disagree this much). */
const HANDSHAKE_WINDOW_MS = 5 * 60_000;
/** Nonces remembered to refuse replays; past this many within the window, new streams are refused until old ones age out. */
const MAX_REMEMBERED_NONCES = 100_000;

/** The credentials peers present to each other. */
export interface PeerCredentials {
  /** The shared peer secret, when members run with `--peer-secret-file`. */
  readonly secret?: Buffer | undefined;
  /** Whether the port requires client certificates from a CA (mutual TLS). */
  readonly mutualTls: boolean;
}

/** Why a peer was refused; each is a label of `fleet_peer_rejected_total`. */
export type PeerRejectReason =
  | 'no-credentials'
  | 'bad-signature'
  | 'stale-handshake'
  | 'replayed-handshake'
  | 'not-a-member-certificate'
  | 'identity-mismatch'
  | 'unknown-member'
  | 'wrong-recipient'
  | 'wrong-cluster'
  | 'snapshot-not-from-leader'
  | 'snapshot-too-large'
  | 'malformed';

/** A refusal: what the log line and the metric say. */
export interface PeerRejection {
  readonly reason: PeerRejectReason;
  readonly detail: string;
}

function signature(secret: Buffer, fields: readonly string[]): Buffer {
  return createHmac('sha256', secret).update(['fleet-peer-auth/v1', ...fields].join('\n')).digest();
}

/** The handshake a member sends when it opens a stream to `to`: its id, signed when it holds a secret. */
export function signHandshake(secret: Buffer | undefined, cluster: string, from: string, to: string, now: number): Metadata {
  const md = new Metadata();
  md.set(PEER_ID_METADATA, from);
  if (!secret) return md;
  const nonce = randomBytes(16).toString('hex');
  const mac = signature(secret, [cluster, from, to, String(now), nonce]).toString('hex');
  md.set(PEER_AUTH_METADATA, `${from} ${now} ${nonce} ${mac}`);
  return md;
}

/** What the receiver knows of a stream when it opens. */
export interface StreamOpening {
  readonly metadata: Metadata;
  /** The client certificate, when the port runs mutual TLS. */
  readonly certificate: PeerCertificate | undefined;
}

/**
 * Checks stream openings against this member's credentials. A stream is admitted only if every
 * configured credential vouches for the same member id (checked as `authenticate` admits it), and
 * a given signed handshake admits at most one stream (its nonce is remembered, `remember`).
 */
export class PeerAuthenticator {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly selfId: string,
    private readonly cluster: string,
    private readonly creds: PeerCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The member id the opening proves, or why it proves none. A member configured without any
   * peer credential (loopback only, or --insecure: see node start) takes the id a stream claims.
   */
  authenticate(opening: StreamOpening): { id: string } | PeerRejection {
    if (!this.creds.secret && !this.creds.mutualTls) {
      const claimed = opening.metadata.get(PEER_ID_METADATA)[0];
      return typeof claimed === 'string' && claimed ? { id: claimed } : { reason: 'no-credentials', detail: 'the stream names no member' };
    }
    let id: string | undefined;
    if (this.creds.mutualTls) {
      const fromCert = this.certificateId(opening.certificate);
      if (typeof fromCert !== 'string') return fromCert;
      id = fromCert;
    }
    if (this.creds.secret) {
      const signed = this.verifyHandshake(opening.metadata, this.creds.secret);
      if (typeof signed !== 'string') return signed;
      if (id !== undefined && signed !== id) return { reason: 'identity-mismatch', detail: `certificate names ${id}, handshake claims ${signed}` };
      id = signed;
    }
    checkInvariant(id !== undefined && id !== '', 'peer-admitted-as-one-member', () => `admitted a stream as member '${id ?? 'none'}' (mutual TLS ${this.creds.mutualTls ? 'on' : 'off'}, secret ${this.creds.secret ? 'set' : 'unset'})`);
    return { id };
  }

  private certificateId(cert: PeerCertificate | undefined): string | PeerRejection {
    if (!cert?.subject) return { reason: 'no-credentials', detail: 'no client certificate' };
    const ou = [cert.subject.OU].flat();
    const cn = [cert.subject.CN].flat()[0];
    if (!ou.includes(MEMBER_CERT_OU) || !cn) return { reason: 'not-a-member-certificate', detail: `certificate CN=${String(cn)} OU=${ou.join('+')} is not a member's (OU=${MEMBER_CERT_OU})` };
    return cn;
  }

  private verifyHandshake(metadata: Metadata, secret: Buffer): string | PeerRejection {
    const value = metadata.get(PEER_AUTH_METADATA)[0];
    if (typeof value !== 'string') return { reason: 'no-credentials', detail: 'no peer handshake' };
    const [from, tsText, nonce, mac, extra] = value.split(' ');
    if (!from || !tsText || !nonce || !mac || extra !== undefined || !/^[0-9a-f]{32}$/.test(nonce) || !/^[0-9a-f]{64}$/.test(mac)) {
      return { reason: 'malformed', detail: 'malformed peer handshake' };
    }
    const expected = signature(secret, [this.cluster, from, this.selfId, tsText, nonce]);
    if (!timingSafeEqual(expected, Buffer.from(mac, 'hex'))) return { reason: 'bad-signature', detail: `handshake of ${from} not signed with this cluster's peer secret` };
    const now = this.now();
    const ts = Number(tsText);
    if (!Number.isSafeInteger(ts) || Math.abs(now - ts) > HANDSHAKE_WINDOW_MS) return { reason: 'stale-handshake', detail: `handshake of ${from} is ${Math.round((now - ts) / 1000)} s old` };
    return this.remember(nonce, now) ? from : { reason: 'replayed-handshake', detail: `handshake of ${from} was already used` };
  }

  /** Records a nonce; false when it was seen before, or too many are remembered to tell. */
  private remember(nonce: string, now: number): boolean {
    if (this.nonces.has(nonce)) return false;
    if (this.nonces.size >= MAX_REMEMBERED_NONCES) {
      for (const [n, at] of this.nonces) if (now - at > 2 * HANDSHAKE_WINDOW_MS) this.nonces.delete(n);
      if (this.nonces.size >= MAX_REMEMBERED_NONCES) return false;
    }
    this.nonces.set(nonce, now);
    return true;
  }
}

/** What a peer-auth log line needs. */
export interface RejectionLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** How many refusals are logged one by one in an interval, cluster-wide for this member; the rest are summarised. */
export const REFUSALS_LOGGED_PER_INTERVAL = 10;
/** Longest claimed id or detail a log line carries: the attacker chooses them. */
const MAX_LOGGED_TEXT = 64;

/**
 * Logs refused peers under one limit for the whole member, whatever the source, the claimed id
 * or the reason (all chosen by whoever connects, so no key of theirs may buy more lines): the
 * first REFUSALS_LOGGED_PER_INTERVAL of an interval one by one, the rest as one summary line
 * when the interval ends. Every refusal is counted by reason (fleet_peer_rejected_total).
 * At most REFUSALS_LOGGED_PER_INTERVAL + 1 lines per interval, each bounded in size: an
 * interval must be one (checked at construction; the counting keeps it so).
 */
export class RejectionLog {
  readonly counts = new Map<PeerRejectReason, number>();
  private windowStart: number | undefined;
  private loggedInWindow = 0;
  private suppressed = 0;
  private readonly suppressedReasons = new Map<PeerRejectReason, number>();
  private readonly suppressedSources = new Set<string>();
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly logger: RejectionLogger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    checkInvariant(intervalMs > 0, 'peer-rejection-lines-bounded', () => `an interval of ${intervalMs} ms bounds no number of lines`);
  }

  record(source: string, claimedId: string, rejection: PeerRejection): void {
    this.counts.set(rejection.reason, (this.counts.get(rejection.reason) ?? 0) + 1);
    const now = this.now();
    if (this.windowStart === undefined || now - this.windowStart >= this.intervalMs) this.startWindow(now);
    if (this.loggedInWindow < REFUSALS_LOGGED_PER_INTERVAL) {
      this.loggedInWindow++;
      this.logger.warn({ source: clip(source), claimedId: clip(claimedId), reason: rejection.reason, detail: clip(rejection.detail) }, 'refused a peer');
      return;
    }
    this.suppressed++;
    this.suppressedReasons.set(rejection.reason, (this.suppressedReasons.get(rejection.reason) ?? 0) + 1);
    // The sources named in the summary: a few, for whoever investigates.
    if (this.suppressedSources.size < 5) this.suppressedSources.add(clip(source));
    this.summaryTimer ??= setTimeout(() => this.startWindow(this.now()), Math.max(0, this.windowStart! + this.intervalMs - now));
    this.summaryTimer.unref?.();
  }

  /** Logs the summary of the interval that ends, if it refused more than it logged. */
  private startWindow(now: number): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    if (this.suppressed > 0) {
      const reasons = Object.fromEntries(this.suppressedReasons);
      const seconds = Math.round(this.intervalMs / 1000);
      this.logger.warn({ refused: this.suppressed, reasons, sources: [...this.suppressedSources] }, `${this.suppressed.toLocaleString('en-US')} more peer streams refused in the last ${seconds} s (not logged one by one), from ${[...this.suppressedSources].join(', ')}${this.suppressedSources.size >= 5 ? ' and others' : ''}`);
    }
    this.windowStart = now;
    this.loggedInWindow = 0;
    this.suppressed = 0;
    this.suppressedReasons.clear();
    this.suppressedSources.clear();
  }

  /** Logs what the current interval held back, and stops its timer. */
  close(): void {
    if (this.summaryTimer !== undefined) this.startWindow(this.now());
  }
}

/** Text an attacker chose, cut to a size a log line can afford. */
function clip(text: string): string {
  return text.length <= MAX_LOGGED_TEXT ? text : `${text.slice(0, MAX_LOGGED_TEXT)}… (${text.length} chars)`;
}
