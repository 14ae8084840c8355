/**
 * etcd's answers (as proto-loader, or the status probe's lite codec with longs as strings,
 * decodes them) mapped to the client's types: one mapping for both, so `fleet status` shows the
 * same thing whichever asked. No grpc here: the probe loads this without it.
 */
import type { EtcdAlarm, EtcdKeyValue, EtcdMember, EtcdStatus } from './types.js';
import type { WireKeyValue, WireMember, WireStatus } from './services.js';

/** Alarm's request for the active alarms of every member. */
export const ALARM_GET = { action: 'GET', memberID: '0', alarm: 'NONE' } as const;

/** A Status answer (64-bit integers as decimal strings) as the client hands it out. */
export function statusFromWire(r: WireStatus): EtcdStatus {
  return {
    memberId: r.header.memberId,
    leaderId: r.leader,
    raftTerm: Number(r.raftTerm),
    raftIndex: Number(r.raftIndex),
    raftAppliedIndex: Number(r.raftAppliedIndex),
    dbSize: Number(r.dbSize),
    dbSizeInUse: Number(r.dbSizeInUse),
    isLearner: r.isLearner,
    version: r.version,
    errors: r.errors,
    revision: Number(r.header.revision),
  };
}

/** A member of a Cluster answer, as the client hands it out. */
export function memberFromWire(m: WireMember): EtcdMember {
  return { id: m.ID, name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs, isLearner: m.isLearner };
}

/** The alarms of an Alarm answer. */
export function alarmsFromWire(r: { alarms: { memberID: string; alarm: string }[] }): EtcdAlarm[] {
  return r.alarms.map((a) => ({ memberId: a.memberID, alarm: a.alarm }));
}

/** A key's value as Range and Watch answer it (revisions and versions as numbers). */
export function keyValueFromWire(kv: WireKeyValue): EtcdKeyValue {
  return { key: kv.key, value: kv.value, version: Number(kv.version), createRevision: Number(kv.createRevision), modRevision: Number(kv.modRevision) };
}
