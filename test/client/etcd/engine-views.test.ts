/**
 * The etcd engine's mappings into fleet's types (src/client/etcd/engine-views.ts): the shapes
 * `fleet kv` and `fleet members` print with --json, checked against fleet's own answers.
 */
import { describe, expect, it } from 'vitest';
import { etcdKey, findMember, kvEntryOf, leaderOf, memberListingOf, membersViewOf, peerUrlOf, writtenKvMeta } from '../../../src/client/etcd/engine-views.js';
import type { EtcdKeyValue, EtcdMember, EtcdStatus } from '../../../src/client/etcd/types.js';
import { memberListing } from '../../../src/client/fleet-engine.js';
import type { KvEntry, MembersView } from '../../../src/client/types.js';

const kv = (key: string, value: string, createRevision: number, modRevision: number, version: number): EtcdKeyValue => ({ key: Buffer.from(key), value: Buffer.from(value), createRevision, modRevision, version });
const member = (decimal: string, name: string, learner = false): EtcdMember => ({ id: decimal, name, peerUrls: [`http://10.0.0.${decimal}:2380`], clientUrls: [`http://10.0.0.${decimal}:2379`], isLearner: learner });
const status = (memberId: string, leaderId: string, raftTerm: number): EtcdStatus => ({ memberId, leaderId, raftTerm, raftIndex: 1, raftAppliedIndex: 1, dbSize: 1, dbSizeInUse: 1, isLearner: false, version: '3.4.0', errors: [], revision: 1 });

/** A fleet KvEntry, to compare key sets with. */
const fleetEntry: KvEntry = { ns: 'app', key: 'k', value: 'v', createRevision: 1, modRevision: 2, version: 2 };

describe('kv mapping', () => {
  it('keeps a namespace as the key prefix NS/ and takes it off again', () => {
    expect(etcdKey('k', '').toString()).toBe('k');
    expect(etcdKey('k', 'app').toString()).toBe('app/k');
    expect(kvEntryOf(kv('app/k', 'v', 3, 7, 2), 'app')).toEqual({ ns: 'app', key: 'k', value: 'v', createRevision: 3, modRevision: 7, version: 2 });
  });

  it('answers kv get and list in the keys of fleet\'s KvEntry', () => {
    expect(Object.keys(kvEntryOf(kv('k', 'v', 1, 1, 1), '')).sort()).toEqual(Object.keys(fleetEntry).sort());
  });

  it('derives a written key\'s revisions from the value it replaced', () => {
    expect(writtenKvMeta('k', '', 9, undefined)).toEqual({ ns: '', key: 'k', createRevision: 9, modRevision: 9, version: 1 });
    expect(writtenKvMeta('k', 'app', 9, kv('app/k', 'old', 4, 6, 3))).toEqual({ ns: 'app', key: 'k', createRevision: 4, modRevision: 9, version: 4 });
  });
});

describe('member mapping', () => {
  const members = [member('10', 'n1'), member('11', '', true)];

  it('answers a membership change in fleet\'s MembersView: hex ids, client URLs as the address, learners as non-voters', () => {
    const view = membersViewOf(members, '000000000000000a');
    expect(view).toEqual({ leaderId: '000000000000000a', members: [{ id: '000000000000000a', address: 'http://10.0.0.10:2379', voter: true }, { id: '000000000000000b', address: 'http://10.0.0.11:2379', voter: false }] });
    expect(membersViewOf(members, null).leaderId).toBe('');
  });

  it('lists members with fleet\'s fields plus etcd\'s name and peer URLs, in the order of the old --json', () => {
    const listing = memberListingOf(members, '000000000000000a');
    expect(listing.leader).toBe('000000000000000a');
    expect(listing.members[0]).toEqual({ id: '000000000000000a', name: 'n1', address: 'http://10.0.0.10:2379', peerUrls: ['http://10.0.0.10:2380'], voter: true, leader: true });
    expect(Object.keys(listing.members[1]!)).toEqual(['id', 'name', 'address', 'peerUrls', 'voter', 'leader']);
    const fleet: MembersView = { leaderId: 'n1', members: [{ id: 'n1', address: '127.0.0.1:7781', voter: true }] };
    const shared = ['id', 'address', 'voter', 'leader'];
    for (const key of shared) {
      expect(Object.keys(memberListing(fleet).members[0]!)).toContain(key);
      expect(Object.keys(listing.members[0]!)).toContain(key);
    }
  });

  it('finds a member by hex id (leading zeros optional, any case) or by name, never by an empty name', () => {
    expect(findMember(members, 'a')?.id).toBe('10');
    expect(findMember(members, '000000000000000B')?.id).toBe('11');
    expect(findMember(members, 'n1')?.id).toBe('10');
    expect(findMember(members, '')).toBeUndefined();
  });

  it('takes the leader from the member that says it leads itself, in the highest term', () => {
    expect(leaderOf([status('1', '2', 3), status('2', '2', 3)])?.memberId).toBe('2');
    expect(leaderOf([status('1', '1', 2), status('2', '2', 3)])?.memberId).toBe('2');
    expect(leaderOf([status('1', '0', 3), status('2', '1', 3)])).toBeUndefined();
  });

  it('adds a member at host:port as an http peer URL, and keeps a URL given', () => {
    expect(peerUrlOf('127.0.0.1:2380')).toBe('http://127.0.0.1:2380');
    expect(peerUrlOf('https://10.0.0.4:2380')).toBe('https://10.0.0.4:2380');
  });
});

describe('fleet member listing', () => {
  it('sorts by id in natural order and gives placement as null where unknown', () => {
    const view: MembersView = { leaderId: 'n2', members: [{ id: 'n10', address: 'a:1', voter: true, zone: 'z1' }, { id: 'n2', address: 'a:2', voter: false, readReplica: true }] };
    expect(memberListing(view)).toEqual({
      leader: 'n2',
      members: [
        { id: 'n2', address: 'a:2', voter: false, leader: true, zone: null, region: null, readReplica: true },
        { id: 'n10', address: 'a:1', voter: true, leader: false, zone: 'z1', region: null, readReplica: false },
      ],
    });
    expect(memberListing({ leaderId: '', members: [] }).leader).toBeNull();
  });
});
