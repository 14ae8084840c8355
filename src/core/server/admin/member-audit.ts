/**
 * The audit log from whichever member an admin effect lands on. Only the leader can propose an
 * entry; a snapshot taken or a fault injected on a follower used to try, get NOT_LEADER and
 * record nothing. Now the follower sends the entry to the leader (Admin.RecordAudit) with its
 * caller's credentials, so the entry names the caller and says on which member it landed; the
 * leader accepts there only the operations that land on one member (MEMBER_LOCAL_OPS).
 */
import type { Metadata } from '@grpc/grpc-js';
import { memberIdProblem } from '../../../common/addresses.js';
import type * as wire from '../../../proto/index.js';
import { LIMITS, type Actor } from '../../fleet/index.js';
import { NodeError } from '../../node/api.js';
import type { NodeApi } from '../../node/member-api.js';
import type { AuthOptions } from '../guard/auth.js';
import { argsOf } from './drill-record.js';
import { WireError } from '../wire.js';
import { FORWARDED_BY_METADATA, type WriteForwarder } from '../write-forwarder.js';

/**
 * Records one admin effect: on the leader, proposed here; elsewhere, sent to the leader when the
 * caller's `metadata` is given (its credentials authorize the record there). Rejects when it
 * could not be recorded (no leader, no quorum); callers treat it as best effort.
 */
export type AuditRecorder = (by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string, metadata?: Metadata) => Promise<void>;

/** Operations a member records where they land (not necessarily on the leader). */
export const MEMBER_LOCAL_OPS: readonly string[] = ['snapshot.take', 'snapshot.download', 'drill.fault'];

/** The recorder of `node`; without a forwarder, a follower records nothing (NOT_LEADER). */
export function memberAudit(node: Pick<NodeApi, 'id' | 'recordAudit'>, forwarder?: Pick<WriteForwarder, 'recordAudit'>): AuditRecorder {
  return async (by, op, args, outcome, metadata) => {
    try {
      await node.recordAudit(by, op, args, outcome);
    } catch (err) {
      const toLeader = err instanceof NodeError && err.code === 'NOT_LEADER' && err.leaderAddress !== '';
      // A record forwarded to this member is not forwarded again (a leader that just stepped down).
      if (!toLeader || forwarder === undefined || metadata === undefined || metadata.get(FORWARDED_BY_METADATA).length > 0) throw err;
      if (!MEMBER_LOCAL_OPS.includes(op)) throw err;
      await forwarder.recordAudit({ op, argsJson: JSON.stringify(args), outcome, member: node.id }, metadata, err);
    }
  };
}

/**
 * Checks an Admin.RecordAudit request and answers its entry: a member-local operation, a member
 * id, arguments within the audit log's limits that carry none of the member's tokens.
 */
export function forwardedAuditOf(req: wire.RecordAuditRequest__Output, auth: AuthOptions): { op: string; args: Record<string, unknown>; outcome: string } {
  if (!MEMBER_LOCAL_OPS.includes(req.op)) throw new WireError(`op: must be one of ${MEMBER_LOCAL_OPS.join(', ')} (what lands on one member), not '${req.op.slice(0, 40)}'`);
  const memberProblem = req.member === '' ? 'the member it landed on is required' : memberIdProblem(req.member);
  if (memberProblem !== undefined) throw new WireError(`member: ${memberProblem}`);
  if (req.argsJson.length > LIMITS.maxAuditText) throw new WireError(`args_json: longer than ${LIMITS.maxAuditText} characters`);
  if (req.outcome.length > LIMITS.maxAuditText) throw new WireError(`outcome: longer than ${LIMITS.maxAuditText} characters`);
  for (const token of [auth.token, auth.adminToken]) {
    if (token !== undefined && (req.argsJson.includes(token) || req.outcome.includes(token))) throw new WireError('args_json: contains a token; an audit record never carries credentials');
  }
  return { op: req.op, args: { ...argsOf(req.argsJson), member: req.member }, outcome: req.outcome };
}
