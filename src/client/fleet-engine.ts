/**
 * The Engine of a fleet cluster: FleetClient's calls, answered as they are (the Engine's types
 * are fleet's own), plus the member listing `fleet members list` prints.
 */
import { naturalCompare } from '../common/natural-order.js';
import type { AddedLearner, ConditionalChange, Engine, KvWrite, ListedMember, MemberListing, SavedSnapshot } from './engine.js';
import type { EndpointStatus } from './transport/endpoint-status.js';
import type { FleetClient } from './fleet-client.js';
import type { KvEntry, KvListOptions, MembersView, Page, ReadOptions, TransferResult } from './types.js';

/** Opens a client of other endpoints with the same credentials (to probe a would-be member). */
export type ClientAt = (endpoints: readonly string[]) => Promise<FleetClient>;

export class FleetEngine implements Engine {
  readonly kind = 'fleet';
  readonly assignsMemberIds = false;

  constructor(
    readonly client: FleetClient,
    readonly clientAt: ClientAt,
  ) {}

  async resolveMember(idOrName: string): Promise<string> {
    return idOrName;
  }

  async probeMember(address: string): Promise<EndpointStatus | undefined> {
    return (await (await this.clientAt([address])).statusAll())[0];
  }

  async listMembers(): Promise<MemberListing> {
    return memberListing(await this.client.listMembers());
  }

  async addLearner(id: string, address: string, opts: ConditionalChange): Promise<AddedLearner> {
    return { id, view: await this.client.addMember(id, address, { learner: true, ...opts }) };
  }

  promoteMember(id: string, opts: ConditionalChange): Promise<MembersView> {
    return this.client.promoteMember(id, opts);
  }

  removeMember(id: string, opts: ConditionalChange): Promise<MembersView> {
    return this.client.removeMember(id, opts);
  }

  transferLeader(to: string | undefined): Promise<TransferResult> {
    return this.client.transferLeader(to);
  }

  kvGet(key: string, opts: ReadOptions & { readonly ns: string }): Promise<KvEntry | undefined> {
    return this.client.kvGet(key, opts);
  }

  kvPut(key: string, value: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.put'>> {
    return this.client.kvPut(key, value, opts);
  }

  kvDelete(key: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.delete'>> {
    return this.client.kvDelete(key, opts);
  }

  kvCas(key: string, expected: string | null | undefined, value: string, opts: { readonly ns: string; readonly expectRevision?: number }): Promise<KvWrite<'kv.cas'>> {
    return this.client.kvCas(key, expected, value, opts);
  }

  kvList(opts: KvListOptions): Promise<Page<KvEntry>> {
    return this.client.kvList(opts);
  }

  saveSnapshot(file: string, opts: { readonly fresh: boolean; readonly from?: string | undefined }): Promise<SavedSnapshot> {
    return this.client.downloadSnapshot(file, { fresh: opts.fresh, ...(opts.from ? { endpoint: opts.from } : {}) });
  }
}

/** The membership as `fleet members list` shows it: by id in natural order, placement null where unknown. Pure. */
export function memberListing(view: MembersView): MemberListing {
  const leader = view.leaderId === '' ? null : view.leaderId;
  const members = [...view.members]
    .sort((a, b) => naturalCompare(a.id, b.id))
    .map((m): ListedMember => ({ id: m.id, address: m.address, voter: m.voter, leader: m.id === leader, zone: m.zone ?? null, region: m.region ?? null, readReplica: m.readReplica === true }));
  return { leader, members };
}
