/**
 * Safety checks of membership changes and leadership transfers, as pure functions of the
 * `fleet status` model: would the change leave the voters without a healthy quorum? The
 * commands refuse a risky change unless --force, and say exactly what the risk is.
 */
import type { StatusMember, StatusModel } from './status.js';
import { naturalCompare } from './natural-order.js';

/** A change an operator asks for. */
export type MemberChange =
  | { readonly kind: 'add'; readonly id: string; readonly learner: boolean }
  | { readonly kind: 'promote'; readonly id: string }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'transfer'; readonly to: string | undefined };

/** The verdict: `risk` says why the change is unsafe; `refusal` that it cannot work at all. */
export type ChangeVerdict = { readonly ok: true } | { readonly ok: false; readonly risk: string; readonly forceable: boolean };

const OK: ChangeVerdict = { ok: true };

/** Checks a change against the current status. */
export function checkChange(model: StatusModel, change: MemberChange): ChangeVerdict {
  switch (change.kind) {
    case 'add':
      return checkAdd(model, change.id, change.learner);
    case 'promote':
      return checkPromote(model, change.id);
    case 'remove':
      return checkRemove(model, change.id);
    case 'transfer':
      return checkTransfer(model, change.to);
  }
}

/** The quorum after the voters change by `dVoters` and the healthy voters by `dHealthy`. */
function after(model: StatusModel, dVoters: number, dHealthy: number): { voters: number; size: number; healthy: number } {
  const voters = model.quorum.voters + dVoters;
  return { voters, size: Math.floor(voters / 2) + 1, healthy: model.quorum.healthyVoters + dHealthy };
}

function member(model: StatusModel, id: string): StatusMember | undefined {
  return model.members.find((m) => m.id === id);
}

function checkAdd(model: StatusModel, id: string, learner: boolean): ChangeVerdict {
  const existing = member(model, id);
  if (existing !== undefined && existing.voter !== null) return { ok: false, risk: `${id} is already a member`, forceable: false };
  if (learner) return OK;
  // A new voter has no log yet: it counts towards the quorum size before it can vote.
  const q = after(model, 1, 0);
  if (q.healthy >= q.size) return OK;
  return {
    ok: false,
    forceable: true,
    risk: `adding ${id} as a voter makes ${q.voters} voters (quorum ${q.size}) with only ${q.healthy} healthy: writes stop until ${id} has caught up. Add it with --learner, then promote it`,
  };
}

function checkPromote(model: StatusModel, id: string): ChangeVerdict {
  const m = member(model, id);
  if (m === undefined || m.voter === null) return { ok: false, risk: `${id} is not a member (fleet members list)`, forceable: false };
  if (m.voter) return { ok: false, risk: `${id} is already a voter`, forceable: false };
  const q = after(model, 1, m.healthy ? 1 : 0);
  if (!m.healthy) return { ok: false, forceable: true, risk: `${id} is not healthy (${m.problem ?? 'unknown'}): promoting it raises the quorum to ${q.size} of ${q.voters} with ${q.healthy} healthy voters` };
  if (q.healthy < q.size) return { ok: false, forceable: true, risk: `promoting ${id} makes ${q.voters} voters (quorum ${q.size}) with only ${q.healthy} healthy` };
  return OK;
}

function checkRemove(model: StatusModel, id: string): ChangeVerdict {
  const m = member(model, id);
  if (m === undefined || m.voter === null) return { ok: false, risk: `${id} is not a member (fleet members list)`, forceable: false };
  if (!m.voter) return OK;
  if (model.quorum.voters <= 1) return { ok: false, risk: `${id} is the last voter: removing it would leave no cluster`, forceable: false };
  const q = after(model, -1, m.healthy ? -1 : 0);
  if (q.healthy >= q.size) return OK;
  return {
    ok: false,
    forceable: true,
    risk: `removing ${id} leaves ${q.healthy} healthy of ${q.voters} voters, below the quorum of ${q.size}: the cluster would stop accepting writes. Bring the unhealthy members back first (fleet status)`,
  };
}

function checkTransfer(model: StatusModel, to: string | undefined): ChangeVerdict {
  if (to === undefined) {
    const candidates = model.members.filter((m) => m.voter === true && m.healthy && m.id !== model.leader);
    return candidates.length > 0 ? OK : { ok: false, risk: 'no healthy voter to transfer leadership to', forceable: false };
  }
  if (to === model.leader) return { ok: false, risk: `${to} is already the leader`, forceable: false };
  const m = member(model, to);
  if (m === undefined || m.voter === null) return { ok: false, risk: `${to} is not a member (fleet members list)`, forceable: false };
  if (!m.voter) return { ok: false, risk: `${to} is a learner: only voters can lead (promote it first)`, forceable: false };
  if (!m.healthy) return { ok: false, forceable: true, risk: `${to} is not healthy (${m.problem ?? 'unknown'}): the transfer would likely time out and leave the cluster without a leader for an election timeout` };
  return OK;
}

/** The most caught-up healthy follower (least lag, then lowest id): the default transfer target. */
export function bestTransferTarget(model: StatusModel): string | undefined {
  const candidates = model.members.filter((m) => m.voter === true && m.healthy && m.id !== null && m.id !== model.leader);
  candidates.sort((a, b) => (a.lag ?? Infinity) - (b.lag ?? Infinity) || naturalCompare(a.id!, b.id!));
  return candidates[0]?.id ?? undefined;
}
