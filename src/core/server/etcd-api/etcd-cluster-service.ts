/**
 * etcd's Cluster service on a member (issue 58): MemberList, and MemberAdd (as a learner too),
 * MemberRemove, MemberUpdate and MemberPromote, made through fleet's one membership path — the
 * leader's MemberAdmin (node.addMember/removeMember/promoteMember) behind the same server gate as
 * fleet.v1's Admin.AddMember (checkAddMember) — after etcd's own reconfiguration rules
 * (etcd-reconfig.ts), so a change that would leave fewer started voters than a quorum is refused
 * with etcd's error. A follower forwards a change to the leader, as etcd's does; each change is
 * audited on the leader, where it is made, as fleet.v1's are (`members.add` … with `api: etcd`).
 *
 * etcd's MemberAdd names no member (etcdctl keeps the name it is given to itself), so the new
 * member's fleet id is the one a member already running at the address answers with (started
 * with `fleet node start --join`), else one made of the address (memberIdOfAddress).
 */
import { Metadata, status, type ChannelCredentials, type Client, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { memberIdProblem } from '../../../common/addresses.js';
import { loadFleetProto } from '../../../proto/index.js';
import { NodeError, type MemberInfo, type MemberStatus } from '../../node/api.js';
import { checkAddMember } from '../admin/admin-service.js';
import { actorOf, type AuthOptions } from '../guard/auth.js';
import { etcdIdOf, type WireHeader } from './etcd-wire.js';
import { addressOfPeerUrls, ETCD_MEMBER_ERRORS, etcdReconfigProblem, memberIdOfAddress, startedMembers, type ReconfigView } from './etcd-reconfig.js';
import type { AuditRecorder } from '../admin/member-audit.js';
import { WireError } from '../wire.js';

/** What the Cluster service needs of the member. */
export interface EtcdClusterNode {
  readonly id: string;
  status(): MemberStatus;
  addMember(id: string, address: string, learner: boolean): Promise<void>;
  removeMember(id: string): Promise<void>;
  promoteMember(id: string): Promise<void>;
}

/** A unary etcd handler as etcd-kv-service.ts runs them: authorized, and sent to the leader on NOT_LEADER. */
export type EtcdUnary = <Req>(method: string, run: (req: Req, call: ServerUnaryCall<Req, unknown>) => Promise<unknown>) => (call: ServerUnaryCall<Req, unknown>, cb: sendUnaryData<unknown>) => void;

export interface EtcdClusterOptions {
  readonly auth: AuthOptions;
  /** Whether the port serves TLS (members' URLs are https, and a newcomer is not asked its id). */
  readonly tls: boolean;
  /** How this member reaches another's port (its peer channel's credentials), to ask a newcomer its id. */
  readonly credentials: ChannelCredentials;
  readonly header: () => WireHeader;
  readonly unary: EtcdUnary;
  readonly audit: AuditRecorder;
}

/** How long MemberAdd waits for a member at the new address to say its id. */
const NEWCOMER_STATUS_MS = 1_500;

type StatusClient = Client & { Status(req: object, md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res?: { id?: string }) => void): void };

/** The id of the fleet member answering at `address`, asked with the caller's credentials; undefined when none answers. */
async function idAnsweringAt(address: string, caller: Metadata, credentials: ChannelCredentials): Promise<string | undefined> {
  const Fleet: new (address: string, creds: ChannelCredentials, options?: object) => StatusClient = loadFleetProto().fleet.v1.Fleet;
  const client = new Fleet(address, credentials, { 'grpc.use_local_subchannel_pool': 1 });
  const md = new Metadata();
  for (const key of ['authorization', 'token']) for (const v of caller.get(key)) md.add(key, v);
  try {
    const id = await new Promise<string | undefined>((resolve) => client.Status({}, md, { deadline: Date.now() + NEWCOMER_STATUS_MS }, (err, res) => resolve(err ? undefined : res?.id)));
    return id !== undefined && memberIdProblem(id) === undefined ? id : undefined;
  } finally {
    client.close();
  }
}

/** etcd's error for a refusal of fleet's membership path; anything else is passed on as it is. */
function asEtcdError(err: unknown): unknown {
  if (err instanceof WireError) return ETCD_MEMBER_ERRORS.badUrls;
  if (!(err instanceof NodeError) || err.code !== 'FAILED_PRECONDITION') return err;
  switch (err.reason) {
    case 'newcomer-unreachable':
      return ETCD_MEMBER_ERRORS.notEnoughStarted;
    case 'address-in-use':
      return ETCD_MEMBER_ERRORS.peerUrlExist;
    case 'not-learner':
      return ETCD_MEMBER_ERRORS.memberNotLearner;
    case 'learner-behind':
      return ETCD_MEMBER_ERRORS.learnerNotReady;
    default:
      return { code: status.FAILED_PRECONDITION, details: `etcdserver: ${err.message}` };
  }
}

/** etcd's Cluster service over `node`. */
export function createEtcdClusterService(node: EtcdClusterNode, o: EtcdClusterOptions): Record<string, (call: ServerUnaryCall<never, unknown>, cb: sendUnaryData<unknown>) => void> {
  const c = new ClusterContext(node, o);
  return {
    MemberList: o.unary<Record<string, never>>('Cluster.MemberList', async () => ({ header: o.header(), members: c.members() })),
    MemberAdd: o.unary<{ peerURLs: string[]; isLearner: boolean }>('Cluster.MemberAdd', (req, call) => memberAdd(c, req, call)),
    MemberRemove: o.unary<{ ID: string }>('Cluster.MemberRemove', (req, call) => memberRemove(c, req, call)),
    MemberPromote: o.unary<{ ID: string }>('Cluster.MemberPromote', (req, call) => memberPromote(c, req, call)),
    MemberUpdate: o.unary<{ ID: string; peerURLs: string[] }>('Cluster.MemberUpdate', async (req) => memberUpdate(c, req)),
  };
}

/** What the Cluster handlers share: the member, the options, and the members as etcd shows them. */
class ClusterContext {
  private readonly scheme: string;

  constructor(
    readonly node: EtcdClusterNode,
    readonly o: EtcdClusterOptions,
  ) {
    this.scheme = o.tls ? 'https' : 'http';
  }

  memberToWire(m: MemberInfo) {
    const { scheme } = this;
    return { ID: etcdIdOf(m.id), name: m.id, peerURLs: [`${scheme}://${m.address}`], clientURLs: m.address ? [`${scheme}://${m.address}`] : [], isLearner: !m.voter };
  }

  members() {
    return this.node.status().members.map((m) => this.memberToWire(m));
  }

  /** The leader's view; elsewhere NOT_LEADER, and the call goes to the leader. */
  leaderView(): ReconfigView {
    const st = this.node.status();
    if (st.role !== 'leader') throw new NodeError('NOT_LEADER', 'this member is not the leader', { leaderId: st.leaderId, leaderAddress: st.leaderAddress });
    return { self: this.node.id, members: st.members, started: startedMembers(st), progress: st.progress, lastIndex: st.lastIndex };
  }

  memberOf(etcdId: string): MemberInfo {
    const m = this.node.status().members.find((x) => etcdIdOf(x.id) === String(etcdId));
    if (m === undefined) throw ETCD_MEMBER_ERRORS.memberNotFound;
    return m;
  }

  /** Runs a change on the leader and records it with its outcome; NOT_LEADER is recorded by the leader it goes to. */
  async audited<T>(call: ServerUnaryCall<unknown, unknown>, op: string, args: Record<string, unknown>, change: () => Promise<T>): Promise<T> {
    const record = (outcome: string) => this.o.audit(actorOf(call.metadata, this.o.auth, 'etcd'), op, { ...args, api: 'etcd' }, outcome).catch(() => undefined);
    try {
      const result = await change();
      await record('ok');
      return result;
    } catch (err) {
      const mapped = asEtcdError(err);
      if (!(err instanceof NodeError && err.code === 'NOT_LEADER')) await record((mapped as { details?: string }).details ?? (err as Error).message);
      throw mapped;
    }
  }
}

async function memberAdd(c: ClusterContext, req: { peerURLs: string[]; isLearner: boolean }, call: ServerUnaryCall<unknown, unknown>) {
  const { node, o } = c;
  const address = addressOfPeerUrls(req.peerURLs);
  if (address === undefined) throw ETCD_MEMBER_ERRORS.badUrls;
  const view = c.leaderView();
  // A member's own address answers with its id: not asked (the change is refused as etcd's, for the address).
  const taken = view.members.some((m) => m.address === address);
  const answered = o.tls || taken ? undefined : await idAnsweringAt(address, call.metadata, o.credentials);
  const id = answered ?? memberIdOfAddress(address);
  const learner = req.isLearner;
  await c.audited(call, 'members.add', { id, address, learner }, async () => {
    const refused = etcdReconfigProblem(view, { kind: 'add', id, address, learner });
    if (refused !== undefined) throw refused;
    await checkAddMember({ id, address, learner });
    await node.addMember(id, address, learner);
  });
  const added = node.status().members.find((m) => m.id === id) ?? { id, address, voter: !learner };
  return { header: o.header(), member: { ...c.memberToWire(added), clientURLs: [] }, members: c.members() };
}

async function memberRemove(c: ClusterContext, req: { ID: string }, call: ServerUnaryCall<unknown, unknown>) {
  const view = c.leaderView();
  const target = c.memberOf(req.ID);
  await c.audited(call, 'members.remove', { id: target.id }, async () => {
    const refused = etcdReconfigProblem(view, { kind: 'remove', id: target.id });
    if (refused !== undefined) throw refused;
    // The leader too, as etcd's: once the change is applied it asks the most caught-up voter
    // to campaign and steps down (raft.ts, handOffAfterRemoval).
    await c.node.removeMember(target.id);
  });
  return { header: c.o.header(), members: c.members() };
}

async function memberPromote(c: ClusterContext, req: { ID: string }, call: ServerUnaryCall<unknown, unknown>) {
  const view = c.leaderView();
  const target = c.memberOf(req.ID);
  await c.audited(call, 'members.promote', { id: target.id }, async () => {
    const refused = etcdReconfigProblem(view, { kind: 'promote', id: target.id });
    if (refused !== undefined) throw refused;
    await c.node.promoteMember(target.id);
  });
  return { header: c.o.header(), members: c.members() };
}

/**
 * A member's address is fixed when it is added: fleet has no change that moves one. Updating
 * to the address it has is a no-op, as etcd's; another is refused, and nothing is recorded.
 */
function memberUpdate(c: ClusterContext, req: { ID: string; peerURLs: string[] }) {
  const target = c.memberOf(req.ID);
  const address = addressOfPeerUrls(req.peerURLs);
  if (address === undefined) throw ETCD_MEMBER_ERRORS.badUrls;
  const view = { self: c.node.id, members: c.node.status().members, started: [], progress: [], lastIndex: 0 };
  const refused = etcdReconfigProblem(view, { kind: 'update', id: target.id, address });
  if (refused !== undefined) throw refused;
  if (address !== target.address) {
    throw { code: status.FAILED_PRECONDITION, details: `etcdserver: fleet cannot move member ${target.id} to another address: remove it (etcdctl member remove) and add it at ${address}` };
  }
  return { header: c.o.header(), members: c.members() };
}
