/**
 * Membership, leadership and snapshots of an etcd cluster. Each change goes to the leader
 * (etcd forwards membership changes itself, but MoveLeader only works there), and members are
 * named as `fleet status` shows them: the 16-hex-digit id, or the member's name.
 */
import type { EtcdClient, EtcdMember } from '../../client/etcd/index.js';
import { FleetClientError } from '../../client/errors.js';
import type { StatusModel } from '../status.js';
import { clientEndpoint, collectEtcdStatus, etcdId } from './status.js';

/** A member as `fleet members list --json` shows it for etcd. */
export interface EtcdMemberView {
  readonly id: string;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly learner: boolean;
}

export function memberView(m: EtcdMember): EtcdMemberView {
  return { id: etcdId(m.id), name: m.name, peerUrls: m.peerUrls, clientUrls: m.clientUrls, learner: m.isLearner };
}

/** The endpoint of the leader the model found, else an error (exit 3: no quorum to change anything). */
export function leaderEndpoint(model: StatusModel): string {
  const row = model.members.find((r) => r.role === 'leader');
  if (row === undefined) throw new FleetClientError('unavailable', 'the etcd cluster has no leader: no membership or leadership change is possible (fleet status)');
  return row.address;
}

/** The membership as the leader (else any member) answers it. */
export async function listEtcdMembers(client: EtcdClient, timeoutMs: number): Promise<{ leader: string | null; members: EtcdMemberView[] }> {
  const model = await collectEtcdStatus(client, timeoutMs);
  const from = model.members.find((r) => r.role === 'leader')?.address ?? model.members.find((r) => r.role !== 'unreachable')?.address;
  if (from === undefined) throw new FleetClientError('unavailable', `no etcd member answered at ${client.endpoints.join(', ')}: is the cluster running?`);
  const members = (await client.memberList(from)).map(memberView);
  return { leader: model.leader, members };
}

/** The decimal id etcd's API takes, from the hex id or the name an operator gives. */
export async function resolveMemberId(client: EtcdClient, endpoint: string, idOrName: string): Promise<{ decimal: string; id: string }> {
  const members = await client.memberList(endpoint);
  const found = members.find((m) => etcdId(m.id) === idOrName.toLowerCase().padStart(16, '0') || (m.name !== '' && m.name === idOrName));
  if (found === undefined) {
    const known = members.map((m) => `${etcdId(m.id)}${m.name === '' ? '' : ` (${m.name})`}`).join(', ');
    throw new FleetClientError('not-found', `no etcd member ${idOrName}; members: ${known}`);
  }
  return { decimal: found.id, id: etcdId(found.id) };
}

/** Hands leadership to `to` (hex id or name) from the current leader; waits until a member reports it leading. */
export async function moveEtcdLeader(client: EtcdClient, model: StatusModel, to: string, timeoutMs: number): Promise<{ from: string; to: string; term: number; tookMs: number }> {
  const started = performance.now();
  const leader = leaderEndpoint(model);
  const target = await resolveMemberId(client, leader, to);
  await client.moveLeader(leader, target.decimal, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await collectEtcdStatus(client, timeoutMs);
    if (now.leader === target.id) return { from: model.leader ?? '?', to: target.id, term: now.term, tookMs: Math.round(performance.now() - started) };
    if (Date.now() > deadline) throw new FleetClientError('timeout', `leadership did not reach ${target.id} within ${timeoutMs} ms (leader now: ${now.leader ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The client endpoint of a member that answers, leader first, for a snapshot. */
export function snapshotSource(model: StatusModel): string {
  const row = model.members.find((r) => r.role === 'leader') ?? model.members.find((r) => r.role !== 'unreachable');
  if (row === undefined) throw new FleetClientError('unavailable', 'no etcd member answered: nothing to take a snapshot from (fleet status)');
  return row.address;
}

export { clientEndpoint };
