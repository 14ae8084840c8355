import type { StatusModel } from '../ops/status.js';

/** Why `fleet status` exits 3: the line it prints on stderr under the table. */
export function noQuorumReason(m: StatusModel): string {
  const answered = m.members.filter((r) => r.role !== 'unreachable').length;
  if (answered === 0) return 'no member answered: is the cluster running? (fleet ps, or check --endpoints / the context)';
  if (m.leader === null) return `no leader: ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy; a quorum of ${m.quorum.size} must be up to elect one`;
  return `no quorum: ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy, ${m.quorum.size} needed`;
}
