import type { Type } from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ALARM_GET } from '../../src/client/etcd/from-wire.js';
import { ETCD_PROBE_MESSAGES, etcdProtoSources, loadEtcdProbeCodecs, precompileEtcd } from '../../src/proto/etcd.js';
import { LiteRoot } from '../../src/proto/lite-codec.js';
import { parseProtoFiles } from '../../src/proto/precompiled.js';

/**
 * `fleet status` of an etcd cluster decodes etcd's answers with the lite codec, 64-bit integers
 * as decimal strings: it must read exactly what proto-loader (longs: String, as EtcdClient loads
 * etcd's services) reads from the same bytes — member ids beyond 2^53 included.
 */
const root = parseProtoFiles(etcdProtoSources());
const TO_OBJECT = { longs: String, enums: String, defaults: true, oneofs: true } as const;
const codecs = loadEtcdProbeCodecs();

function viaProtobufjs(name: string, bytes: Uint8Array): unknown {
  const type = root.lookupType(`etcdserverpb.${name}`) as Type;
  return type.toObject(type.decode(bytes), TO_OBJECT);
}

function encode(name: string, value: object): Uint8Array {
  const type = root.lookupType(`etcdserverpb.${name}`);
  return type.encode(type.fromObject(value)).finish();
}

const BIG_ID = '17979844347279958410'; // > 2^63: an id a double would round

describe("etcd's status messages in the lite codec", () => {
  it('decodes a Status answer as protobufjs does, ids exact', () => {
    const bytes = encode('StatusResponse', {
      header: { clusterId: '1', memberId: BIG_ID, revision: '42', raftTerm: '3' },
      version: '3.4.23', dbSize: '20480', leader: '9223372036854775809', raftIndex: '21', raftTerm: '3', raftAppliedIndex: '21', errors: ['a', 'b'], dbSizeInUse: '16384', isLearner: true,
    });
    const lite = codecs.statusResponse.decode(bytes);
    expect(lite).toEqual(viaProtobufjs('StatusResponse', bytes));
    expect(lite).toMatchObject({ header: { memberId: BIG_ID }, leader: '9223372036854775809', raftIndex: '21' });
    // Absent fields take defaults, 64-bit ones as "0".
    expect(codecs.statusResponse.decode(new Uint8Array())).toEqual(viaProtobufjs('StatusResponse', new Uint8Array()));
  });

  it('decodes the membership and the alarms (a nested enum and a top-level one) as protobufjs does', () => {
    const members = encode('MemberListResponse', { members: [{ ID: BIG_ID, name: 'n1', peerURLs: ['http://127.0.0.1:2380'], clientURLs: ['http://127.0.0.1:2379'], isLearner: false }, { ID: '5', name: '' }] });
    expect(codecs.memberListResponse.decode(members)).toEqual(viaProtobufjs('MemberListResponse', members));
    const alarms = encode('AlarmResponse', { alarms: [{ memberID: BIG_ID, alarm: 'NOSPACE' }] });
    expect(codecs.alarmResponse.decode(alarms)).toEqual(viaProtobufjs('AlarmResponse', alarms));
    expect(codecs.alarmResponse.decode(alarms)).toMatchObject({ alarms: [{ memberID: BIG_ID, alarm: 'NOSPACE' }] });
  });

  it('encodes requests that protobufjs reads back, a 64-bit id exactly', () => {
    expect(viaProtobufjs('AlarmRequest', codecs.alarmRequest.encode(ALARM_GET))).toEqual({ action: 'GET', memberID: '0', alarm: 'NONE' });
    const named = { action: 'DEACTIVATE', memberID: BIG_ID, alarm: 'NOSPACE' };
    expect(viaProtobufjs('AlarmRequest', codecs.alarmRequest.encode(named))).toEqual(named);
  });

  it('builds the same codecs from the build artifact as from the source', () => {
    const fromArtifact = new LiteRoot(precompileEtcd().probe, { longs: String });
    const bytes = encode('StatusResponse', { header: { memberId: BIG_ID }, leader: BIG_ID });
    expect(fromArtifact.lookupType('etcdserverpb.StatusResponse').decode(bytes)).toEqual(codecs.statusResponse.decode(bytes));
    for (const name of ETCD_PROBE_MESSAGES) expect(() => fromArtifact.lookupType(name)).not.toThrow();
  });
});
