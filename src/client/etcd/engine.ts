/**
 * The Engine of a plain etcd cluster, over EtcdClient, answering in fleet's types
 * (engine-views.ts maps them). Membership and leadership changes go to the leader (etcd
 * forwards membership changes itself, but MoveLeader only works there); members are named as
 * `fleet status` shows them: the 16-hex-digit id, or the member's name.
 */
import { CliError, EXIT } from '../../common/errors.js';
import type { AddedLearner, Engine, KvWrite, MemberListing, SavedSnapshot } from '../engine.js';
import { FleetClientError } from '../errors.js';
import type { KvEntry, KvListOptions, MembersView, Page, TransferResult } from '../types.js';
import type { EtcdClient } from './client.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { etcdKey, findMember, kvEntryOf, leaderOf, memberListingOf, membersViewOf, peerUrlOf, writtenKvMeta } from './engine-views.js';
import { clientEndpoint, etcdId } from './ids.js';
import type { EtcdMember, EtcdStatus } from './types.js';

/** The cluster as one round of Maintenance.Status saw it: the membership, and who leads (hex id and client endpoint). */
interface Survey {
  readonly members: readonly EtcdMember[];
  readonly leader: { readonly id: string; readonly endpoint: string } | undefined;
  /** An endpoint that answered, leader first (undefined: none did). */
  readonly answering: string | undefined;
}

export class EtcdEngine implements Engine {
  readonly kind = 'etcd';
  readonly assignsMemberIds = true;

  /** `statusTimeoutMs`: the deadline of each member's status probe (the CLI's --timeout). */
  constructor(
    readonly client: EtcdClient,
    readonly statusTimeoutMs: number,
  ) {}

  async resolveMember(idOrName: string): Promise<string> {
    return etcdId((await this.#member(await this.#leaderEndpoint(), idOrName)).id);
  }

  /** etcd has no status of a member that has not joined: the gate goes without a probe. */
  async probeMember(): Promise<null> {
    return null;
  }

  async listMembers(): Promise<MemberListing> {
    const survey = await this.#survey();
    if (survey.answering === undefined) throw new FleetClientError('unavailable', `no etcd member answered at ${this.client.endpoints.join(', ')}: is the cluster running?`);
    return memberListingOf(await this.client.memberList(survey.answering), survey.leader?.id ?? null);
  }

  /** MemberAdd with the peer URL; the member joins when started with --initial-cluster-state existing. etcd names it. */
  async addLearner(_id: string, address: string): Promise<AddedLearner> {
    const leader = await this.#leader();
    const peerUrl = peerUrlOf(address);
    const r = await this.client.memberAdd(leader.endpoint, [peerUrl], true);
    return { id: etcdId(r.member.id), peerUrl, view: membersViewOf(r.members, leader.id) };
  }

  /** MemberPromote (etcd itself refuses a learner that has not caught up). */
  async promoteMember(id: string): Promise<MembersView> {
    const leader = await this.#leader();
    const member = await this.#member(leader.endpoint, id);
    return membersViewOf(await this.client.memberPromote(leader.endpoint, member.id), leader.id);
  }

  async removeMember(id: string): Promise<MembersView> {
    const leader = await this.#leader();
    const member = await this.#member(leader.endpoint, id);
    return membersViewOf(await this.client.memberRemove(leader.endpoint, member.id), leader.id);
  }

  /** MoveLeader, sent to the current leader; etcd answers once the target leads. */
  async transferLeader(to: string | undefined): Promise<TransferResult> {
    if (to === undefined) throw new CliError('no follower can take over leadership', { exitCode: EXIT.precondition, hint: 'fleet status' });
    const started = performance.now();
    const leader = await this.#leader();
    const target = await this.#member(leader.endpoint, to);
    await this.client.moveLeader(leader.endpoint, target.id, this.client.callTimeoutMs);
    return { from: leader.id, to: etcdId(target.id), tookMs: Math.round(performance.now() - started) };
  }

  async kvGet(key: string, opts: { readonly ns: string }): Promise<KvEntry | undefined> {
    const kv = await this.client.onAnyMember((ep) => this.client.get(ep, etcdKey(key, opts.ns)));
    return kv === undefined ? undefined : kvEntryOf(kv, opts.ns);
  }

  async kvPut(key: string, value: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.put'>> {
    const r = await this.client.onAnyMember((ep) => this.client.putKv(ep, etcdKey(key, opts.ns), Buffer.from(value)));
    return { kv: writtenKvMeta(key, opts.ns, r.revision, r.previous), revision: r.revision };
  }

  async kvDelete(key: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.delete'>> {
    const r = await this.client.onAnyMember((ep) => this.client.deleteRange(ep, etcdKey(key, opts.ns)));
    return { deleted: r.deleted > 0, revision: r.revision };
  }

  /** Compare-and-set on the value and/or the mod revision: a mismatch is fleet's CAS_FAILED (exit 4), with the key's current value and revision as details. */
  async kvCas(key: string, expected: string | null | undefined, value: string, opts: { readonly ns: string; readonly expectRevision?: number }): Promise<KvWrite<'kv.cas'>> {
    const when = { ...(expected === undefined ? {} : { value: expected === null ? null : Buffer.from(expected) }), ...(opts.expectRevision === undefined ? {} : { modRevision: opts.expectRevision }) };
    const r = await this.client.onAnyMember((ep) => this.client.compareAndPut(ep, etcdKey(key, opts.ns), when, Buffer.from(value)));
    if (!r.succeeded) {
      const now = await this.kvGet(key, opts);
      const what = now === undefined ? 'is absent' : `is ${JSON.stringify(now.value)} (revision ${now.modRevision})`;
      const details = { currentValue: now?.value ?? null, currentRevision: now?.modRevision ?? null };
      throw new FleetClientError('precondition', `compare-and-set failed: ${key} ${what}`, { code: 'CAS_FAILED', details });
    }
    return { kv: writtenKvMeta(key, opts.ns, r.revision, r.previous), revision: r.revision };
  }

  /** One Range per page, from the key after `after` up to the end of the prefix; `next` is the last key when etcd has more. */
  async kvList(opts: KvListOptions): Promise<Page<KvEntry>> {
    const ns = opts.ns ?? '';
    const prefix = etcdKey(opts.prefix ?? '', ns);
    const from = opts.after === undefined ? (prefix.length === 0 ? Buffer.from([0]) : prefix) : Buffer.concat([etcdKey(opts.after, ns), Buffer.from([0])]);
    const r = await this.client.onAnyMember((ep) => this.client.range(ep, from, { rangeEnd: prefixEnd(prefix), limit: opts.limit ?? 0 }));
    const items = r.kvs.map((kv) => kvEntryOf(kv, ns));
    const last = items[items.length - 1];
    return { items, ...(r.more && last !== undefined ? { next: last.key } : {}) };
  }

  /** Maintenance.Snapshot from the leader (or `from`, else any member that answers), saved as etcdctl saves it, its trailing sha256 checked. */
  async saveSnapshot(file: string, opts: { readonly from?: string | undefined }): Promise<SavedSnapshot> {
    const source = opts.from ?? (await this.#survey()).answering;
    if (source === undefined) throw new FleetClientError('unavailable', 'no etcd member answered: nothing to take a snapshot from (fleet status)');
    const r = await this.client.snapshot(source, file);
    return { path: file, bytes: r.bytes, sha256: r.sha256, endpoint: source };
  }

  async #leaderEndpoint(): Promise<string> {
    return (await this.#leader()).endpoint;
  }

  /** The leader, else an error (exit 3: no quorum to change anything). */
  async #leader(): Promise<{ id: string; endpoint: string }> {
    const { leader } = await this.#survey();
    if (leader === undefined) throw new FleetClientError('unavailable', 'the etcd cluster has no leader: no membership or leadership change is possible (fleet status)');
    return leader;
  }

  /** The decimal id etcd's API takes, from the hex id or the name an operator gives. */
  async #member(endpoint: string, idOrName: string): Promise<EtcdMember> {
    const members = await this.client.memberList(endpoint);
    const found = findMember(members, idOrName);
    if (found !== undefined) return found;
    const known = members.map((m) => `${etcdId(m.id)}${m.name === '' ? '' : ` (${m.name})`}`).join(', ');
    throw new FleetClientError('not-found', `no etcd member ${idOrName}; members: ${known}`);
  }

  /** Asks every endpoint, then the members they list and were not asked, for their status (as `fleet status` probes). */
  async #survey(): Promise<Survey> {
    const first = await this.#statuses(this.client.endpoints);
    const answering = first.find((a) => a.status !== undefined);
    if (answering === undefined) return { members: [], leader: undefined, answering: undefined };
    const members = await this.client.memberList(answering.endpoint, this.statusTimeoutMs).catch(() => [] as EtcdMember[]);
    const asked = new Set(first.map((a) => a.endpoint));
    const more = members.map(clientEndpoint).filter((ep): ep is string => ep !== undefined && !asked.has(ep));
    const all = [...first, ...(await this.#statuses(more))];
    const led = leaderOf(all.flatMap((a) => (a.status === undefined ? [] : [a.status])));
    const leader = led === undefined ? undefined : { id: etcdId(led.memberId), endpoint: all.find((a) => a.status === led)!.endpoint };
    return { members, leader, answering: leader?.endpoint ?? answering.endpoint };
  }

  #statuses(endpoints: readonly string[]): Promise<{ endpoint: string; status: EtcdStatus | undefined }[]> {
    return Promise.all(endpoints.map((endpoint) => this.client.status(endpoint, this.statusTimeoutMs).then((status) => ({ endpoint, status }), () => ({ endpoint, status: undefined }))));
  }
}
