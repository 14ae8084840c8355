/**
 * Why a member is cut off from its peers, as status reports it: the peer streams it refused and
 * those its peers refused, from the last half minute. Either side's evidence names the cause (a
 * clock outside the handshake window, a wrong peer secret, an unknown id) on the member's row in
 * `fleet status` (src/ops/status.ts words it). Bounded: a flood of refusals keeps the newest few.
 */
import type { PeerRefusal } from '../../node/api.js';

/** How long a refusal counts as evidence of now. */
const EVIDENCE_MS = 30_000;
/** At most this many refusals are kept (the ids refused streams claim are anyone's choosing). */
const MAX_KEPT = 16;
const MAX_TEXT = 200;

interface Kept {
  readonly peer: string;
  readonly byThisMember: boolean;
  readonly reason: string;
  readonly detail: string;
  readonly at: number;
}

/** The recent refusals, one per peer and direction (the newest wins). */
export class PeerTrouble {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** This member refused a stream that claimed to come from `peer`. */
  refusedByUs(peer: string, reason: string, detail: string): void {
    this.keep({ peer: clip(peer), byThisMember: true, reason: clip(reason), detail: clip(detail), at: this.now() });
  }

  /**
   * `peer` refused this member's stream, answering `details` (`peer refused (REASON): DETAIL`,
   * as PeerTransport's refuser and the pre-auth interceptor word it).
   */
  refusedUs(peer: string, details: string): void {
    const m = /^peer refused \(([a-z-]+)\): (.*)$/s.exec(details);
    this.keep({ peer: clip(peer), byThisMember: false, reason: m?.[1] ?? 'refused', detail: clip(m?.[2] ?? details), at: this.now() });
  }

  /** This member accepted a stream from `peer`: its refusals of `peer` are no longer news. */
  accepted(peer: string): void {
    this.kept.delete(`in ${peer}`);
  }

  /** The refusals of the last EVIDENCE_MS, newest first. */
  list(): PeerRefusal[] {
    const now = this.now();
    const out: PeerRefusal[] = [];
    for (const [key, k] of this.kept) {
      if (now - k.at > EVIDENCE_MS) this.kept.delete(key);
      else out.push({ peer: k.peer, byThisMember: k.byThisMember, reason: k.reason, detail: k.detail, agoMs: Math.round(now - k.at) });
    }
    return out.sort((a, b) => a.agoMs - b.agoMs);
  }

  private keep(k: Kept): void {
    const key = `${k.byThisMember ? 'in' : 'out'} ${k.peer}`;
    this.kept.delete(key);
    this.kept.set(key, k);
    // Map order is insertion order: the first is the oldest.
    while (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
  }
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}…`;
}
