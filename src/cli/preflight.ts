/**
 * The guard of membership changes and leadership transfers: check the change against the
 * status model and refuse a risky one (exit 4) unless --force, naming the risk.
 */
import { checkChange, type MemberChange } from '../ops/member-changes.js';
import type { StatusModel } from '../ops/status.js';
import { CliError, EXIT } from './errors.js';

/** Throws unless the change is safe (or forced, when forcing can help); a cluster without quorum is exit 3. */
export function assertSafe(model: StatusModel, change: MemberChange, force: boolean): void {
  if (!model.quorum.available) {
    throw new CliError(`the cluster has no quorum (${model.quorum.healthyVoters} of ${model.quorum.voters} voters healthy): no membership change can commit`, {
      exitCode: EXIT.unavailable,
      hint: 'fleet status',
    });
  }
  const verdict = checkChange(model, change);
  if (verdict.ok || (force && verdict.forceable)) return;
  throw new CliError(`refused: ${verdict.risk}`, {
    exitCode: EXIT.precondition,
    code: verdict.forceable ? 'UNSAFE_CHANGE' : 'INVALID_CHANGE',
    ...(verdict.forceable ? { hint: 'pass --force to accept the risk' } : {}),
  });
}
