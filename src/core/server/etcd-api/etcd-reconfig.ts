/**
 * etcd's rules for a membership change (its `--strict-reconfig-check`, on by default), over the
 * leader's view of the cluster: what etcd's server refuses, with etcd's error, before fleet's own
 * path (MemberAdmin, admin-service.ts's checkAddMember) is asked to make the change. Pure: the
 * same view and change give the same answer (test/core/server/etcd-api/etcd-reconfig.test.ts).
 *
 * A member counts as started when the leader heard from it recently (`started`, itself included:
 * startedMembers): etcd counts members that published their name once, then refuses removals
 * that leave fewer active ones than a quorum; fleet asks the one question of those that answer now.
 */
import { status } from '@grpc/grpc-js';
import { memberAddressProblem } from '../../../common/addresses.js';
import type { FollowerProgress, MemberInfo, MemberStatus } from '../../node/api.js';

/** etcd's errors for membership changes (etcdserver/api/v3rpc/rpctypes), code and exact text. */
export const ETCD_MEMBER_ERRORS = {
  memberExist: { code: status.FAILED_PRECONDITION, details: 'etcdserver: member ID already exist' },
  peerUrlExist: { code: status.FAILED_PRECONDITION, details: 'etcdserver: Peer URLs already exists' },
  notEnoughStarted: { code: status.FAILED_PRECONDITION, details: 'etcdserver: re-configuration failed due to not enough started members' },
  badUrls: { code: status.INVALID_ARGUMENT, details: 'etcdserver: given member URLs are invalid' },
  memberNotFound: { code: status.NOT_FOUND, details: 'etcdserver: member not found' },
  memberNotLearner: { code: status.FAILED_PRECONDITION, details: 'etcdserver: can only promote a learner member' },
  learnerNotReady: { code: status.FAILED_PRECONDITION, details: 'etcdserver: can only promote a learner member which is in sync with leader' },
} as const;

/** One of etcd's membership errors. */
export type EtcdMemberError = (typeof ETCD_MEMBER_ERRORS)[keyof typeof ETCD_MEMBER_ERRORS];

/** What the leader knows when it judges a change: the members, and its followers' progress. */
export interface ReconfigView {
  /** The leader's own id. */
  readonly self: string;
  readonly members: readonly Pick<MemberInfo, 'id' | 'address' | 'voter'>[];
  /** The members the leader heard from recently, itself included. */
  readonly started: readonly string[];
  readonly progress: readonly Pick<FollowerProgress, 'id' | 'match'>[];
  readonly lastIndex: number;
}

/**
 * The members `status` (the leader's) heard from recently: within autopilot's contact threshold
 * as its latest round measured it, or, before its first round, those Raft marked active since
 * the last check-quorum round (reset each election timeout, so it may miss a live one briefly).
 */
export function startedMembers(status: Pick<MemberStatus, 'id' | 'progress' | 'autopilot'>): string[] {
  const report = status.autopilot;
  const heard = report === undefined ? status.progress.filter((p) => p.recentActive).map((p) => p.id) : report.health.filter((h) => h.lastContactMs <= report.settings.lastContactThresholdMs).map((h) => h.id);
  return [...new Set([status.id, ...heard])];
}

/** A change as etcd's Cluster service asks for it, in fleet's names. */
export type EtcdMemberChange =
  /** A new voter counts as started: fleet adds one only once it answers at its address (checkAddMember). */
  | { readonly kind: 'add'; readonly id: string; readonly address: string; readonly learner: boolean }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'promote'; readonly id: string }
  | { readonly kind: 'update'; readonly id: string; readonly address: string };

/** etcd's share of the leader's log a learner must hold to be promoted (isLearnerReady's readyPercent). */
const LEARNER_READY_SHARE = 0.9;

const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

/** Voters the leader heard from recently, itself included; `except` left out. */
function startedVoters(view: ReconfigView, except?: string): number {
  return view.members.filter((m) => m.voter && m.id !== except && (m.id === view.self || view.started.includes(m.id))).length;
}

/** Why etcd would refuse `change` on a cluster the leader sees as `view`; undefined when it may go ahead. */
export function etcdReconfigProblem(view: ReconfigView, change: EtcdMemberChange): EtcdMemberError | undefined {
  const member = view.members.find((m) => m.id === change.id);
  const voters = view.members.filter((m) => m.voter).length;
  switch (change.kind) {
    case 'add': {
      if (view.members.some((m) => m.address === change.address)) return ETCD_MEMBER_ERRORS.peerUrlExist;
      if (member !== undefined) return ETCD_MEMBER_ERRORS.memberExist;
      if (change.learner) return undefined;
      return startedVoters(view) + 1 < quorumOf(voters + 1) ? ETCD_MEMBER_ERRORS.notEnoughStarted : undefined;
    }
    case 'remove': {
      if (member === undefined) return ETCD_MEMBER_ERRORS.memberNotFound;
      if (!member.voter) return undefined;
      return startedVoters(view, change.id) < quorumOf(voters - 1) ? ETCD_MEMBER_ERRORS.notEnoughStarted : undefined;
    }
    case 'promote': {
      if (member === undefined) return ETCD_MEMBER_ERRORS.memberNotFound;
      if (member.voter) return ETCD_MEMBER_ERRORS.memberNotLearner;
      const p = view.progress.find((x) => x.id === change.id);
      if (p === undefined || !view.started.includes(change.id) || p.match < view.lastIndex * LEARNER_READY_SHARE) return ETCD_MEMBER_ERRORS.learnerNotReady;
      // The learner counts as started: the leader just heard from it.
      return startedVoters(view) + 1 < quorumOf(voters + 1) ? ETCD_MEMBER_ERRORS.notEnoughStarted : undefined;
    }
    case 'update': {
      if (member === undefined) return ETCD_MEMBER_ERRORS.memberNotFound;
      return view.members.some((m) => m.id !== change.id && m.address === change.address) ? ETCD_MEMBER_ERRORS.peerUrlExist : undefined;
    }
  }
}

/**
 * The member address (`host:port`) of etcd's peer URLs: fleet's member has one port, so exactly
 * one `http://` or `https://` URL with an explicit port and no path; undefined otherwise (etcd's
 * "given member URLs are invalid").
 */
export function addressOfPeerUrls(urls: readonly string[]): string | undefined {
  if (urls.length !== 1) return undefined;
  let url: URL;
  try {
    url = new URL(urls[0]!.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') return undefined;
  const address = `${url.hostname}:${url.port}`;
  return memberAddressProblem(address) === undefined ? address : undefined;
}

/**
 * The fleet id given to a member etcd's MemberAdd adds when nothing at its address says who it
 * is: etcd's request names no member, so the id is made of its address (`127.0.0.1:7004` →
 * `127.0.0.1-7004`); start the member with that `--id`. Always a valid member id.
 */
export function memberIdOfAddress(address: string): string {
  const id = address.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (id === '' ? 'm' : id).slice(0, 63);
}
