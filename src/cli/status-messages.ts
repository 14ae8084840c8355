import type { StatusModel } from '../ops/status.js';
import { EXIT } from '../common/errors.js';
import { humanTime } from '../common/times.js';

/** Why `fleet status` exits 3: the line it prints on stderr under the table. */
export function noQuorumReason(m: StatusModel): string {
  const answered = m.members.filter((r) => r.role !== 'unreachable').length;
  if (answered === 0) return 'no member answered: is the cluster running? (fleet ps, or check --endpoints / the context)';
  if (m.leader === null) return `no leader: ${noLeaderFinding(m)}; ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy, a quorum of ${m.quorum.size} must be up to elect one`;
  return `no quorum: ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy, ${m.quorum.size} needed`;
}

/** Who answered without a leader, and since when the one that heard from a leader last has not. */
function noLeaderFinding(m: StatusModel, nowMs = Date.now()): string {
  const up = m.members.filter((r) => r.role !== 'unreachable');
  const who = up.map((r) => r.id ?? r.address).join(', ');
  const contacts = up.map((r) => r.lastContactMs).filter((ms): ms is number => ms !== null && ms >= 0);
  const since = contacts.length === 0 ? 'none has heard from a leader since it started' : `no leader heard from since ${humanTime(nowMs - Math.min(...contacts), nowMs)}`;
  return `${who} answered but none leads (${since})`;
}

/** Why `fleet status` exits 7: the line it prints on stderr under the table. */
export function degradedReason(m: StatusModel): string {
  return `degraded: ${m.health.reasons.join('; ')}`;
}

/**
 * What `fleet status` exits with and the line it prints on stderr for it (none when healthy):
 * both entry points (fast path and oclif) take them from here, so they cannot drift apart.
 */
export function statusOutcome(m: StatusModel): { readonly exitCode: number; readonly line: string | undefined } {
  switch (m.health.state) {
    case 'healthy':
      return { exitCode: EXIT.ok, line: undefined };
    case 'degraded':
      return { exitCode: EXIT.degraded, line: `warning: ${degradedReason(m)}` };
    case 'unavailable':
      return { exitCode: EXIT.unavailable, line: `error: ${noQuorumReason(m)}` };
  }
}
