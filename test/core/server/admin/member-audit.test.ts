/**
 * The audit log from whichever member an admin effect lands on (member-audit.ts): proposed on the
 * leader, sent to the leader from a follower with the caller's credentials, and refused there
 * unless it is an operation that lands on one member and carries no token.
 */
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../../src/core/node/api.js';
import { forwardedAuditOf, memberAudit } from '../../../../src/core/server/admin/member-audit.js';
import { FORWARDED_BY_METADATA } from '../../../../src/core/server/write-forwarder.js';
import type * as wire from '../../../../src/proto/index.js';

const by = { token: 'ops', client: 'bob@laptop' };

function follower() {
  const proposed: string[] = [];
  const node = {
    id: 'n2',
    recordAudit: async (_by: unknown, op: string) => {
      proposed.push(op);
      throw new NodeError('NOT_LEADER', 'n2 is not the leader', { leaderId: 'n1', leaderAddress: '127.0.0.1:7001' });
    },
  };
  const sent: { request: wire.RecordAuditRequest; leader: string }[] = [];
  const forwarder = { recordAudit: async (request: wire.RecordAuditRequest, _md: Metadata, hint: NodeError) => void sent.push({ request, leader: hint.leaderAddress }) };
  return { node, forwarder, proposed, sent };
}

describe('memberAudit', () => {
  it('sends a follower\'s record of a member-local effect to the leader, naming the member', async () => {
    const f = follower();
    await memberAudit(f.node, f.forwarder)(by, 'snapshot.take', { member: 'n2' }, 'ok', new Metadata());
    expect(f.sent).toEqual([{ request: { op: 'snapshot.take', argsJson: '{"member":"n2"}', outcome: 'ok', member: 'n2' }, leader: '127.0.0.1:7001' }]);
  });

  it('forwards once at most, never without the caller\'s credentials, and only member-local operations', async () => {
    const f = follower();
    const forwarded = new Metadata();
    forwarded.set(FORWARDED_BY_METADATA, 'n3');
    await expect(memberAudit(f.node, f.forwarder)(by, 'drill.fault', {}, 'injected', forwarded)).rejects.toThrow(/not the leader/);
    await expect(memberAudit(f.node, f.forwarder)(by, 'drill.fault', {}, 'injected')).rejects.toThrow(/not the leader/);
    await expect(memberAudit(f.node, f.forwarder)(by, 'members.add', {}, 'ok', new Metadata())).rejects.toThrow(/not the leader/);
    await expect(memberAudit(f.node)(by, 'snapshot.take', {}, 'ok', new Metadata())).rejects.toThrow(/not the leader/);
    expect(f.sent).toEqual([]);
  });
});

describe('forwardedAuditOf', () => {
  const auth = { adminToken: 'admin-secret-0123456789' };
  const req = (over: Partial<wire.RecordAuditRequest__Output>): wire.RecordAuditRequest__Output => ({ op: 'snapshot.take', argsJson: '{}', outcome: 'ok', member: 'n2', ...over });

  it('keeps the entry, with the member it landed on', () => {
    expect(forwardedAuditOf(req({ argsJson: '{"fresh":true}' }), auth)).toEqual({ op: 'snapshot.take', args: { fresh: true, member: 'n2' }, outcome: 'ok' });
  });

  it('refuses what is not a member-local effect, a bad member, and a token', () => {
    expect(() => forwardedAuditOf(req({ op: 'members.add' }), auth)).toThrow(/op: must be one of snapshot.take, snapshot.download, drill.fault/);
    expect(() => forwardedAuditOf(req({ member: '' }), auth)).toThrow(/member: the member it landed on is required/);
    expect(() => forwardedAuditOf(req({ member: '../x' }), auth)).toThrow(/member:/);
    expect(() => forwardedAuditOf(req({ argsJson: '[1]' }), auth)).toThrow(/args_json: must be a JSON object/);
    expect(() => forwardedAuditOf(req({ outcome: `leaked ${auth.adminToken}` }), auth)).toThrow(/contains a token/);
  });
});
