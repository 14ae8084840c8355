import type { Entry as WireEntry, Entry__Output as WireEntryOut } from '../../../proto/generated/fleet/v1/Entry.js';
import type { RaftMessage as WireMessage, RaftMessage__Output as WireMessageOut } from '../../../proto/generated/fleet/v1/RaftMessage.js';
import type { SnapshotMeta as WireMeta, SnapshotMeta__Output as WireMetaOut } from '../../../proto/generated/fleet/v1/SnapshotMeta.js';
import type { Entry, EntryType, Message, MessageType, SnapshotMeta } from '../../raft/index.js';

const TO_WIRE_TYPE = { normal: 'ENTRY_TYPE_NORMAL', 'conf-change': 'ENTRY_TYPE_CONF_CHANGE', noop: 'ENTRY_TYPE_NOOP' } as const;
const FROM_WIRE_TYPE: Record<string, EntryType> = { ENTRY_TYPE_NORMAL: 'normal', ENTRY_TYPE_CONF_CHANGE: 'conf-change', ENTRY_TYPE_NOOP: 'noop' };
const MESSAGE_TYPES = new Set<MessageType>([
  'pre-vote', 'pre-vote-resp', 'vote', 'vote-resp', 'app', 'app-resp', 'heartbeat', 'heartbeat-resp', 'snap', 'timeout-now', 'read-index', 'read-index-resp', 'term-probe', 'term-probe-resp',
]);

/** A Raft message as it travels between members. */
export function messageToWire(m: Message): WireMessage {
  return {
    type: m.type,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(entryToWire),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    transfer: m.transfer ?? false,
    repair: m.repair ?? 0,
    snapshot: m.snapshot ? metaToWire(m.snapshot.meta) : null,
    ...(m.context ? { context: m.context } : {}),
  };
}

function entryToWire(e: Entry): WireEntry {
  return { term: e.term, index: e.index, type: TO_WIRE_TYPE[e.type], data: e.data };
}

export function metaToWire(meta: SnapshotMeta): WireMeta {
  return { index: meta.index, term: meta.term, conf: { voters: [...meta.conf.voters], learners: [...meta.conf.learners] } };
}

/** Decodes a peer's message; throws on a message no member of ours would send. */
export function messageFromWire(w: WireMessageOut, snapshotData?: Uint8Array): Message {
  if (!MESSAGE_TYPES.has(w.type as MessageType)) throw new Error(`unknown raft message type ${JSON.stringify(w.type)}`);
  const meta = w.snapshot ? metaFromWire(w.snapshot) : undefined;
  return {
    type: w.type as MessageType,
    from: w.from,
    to: w.to,
    term: w.term,
    logTerm: w.logTerm,
    index: w.index,
    entries: w.entries.map(entryFromWire),
    commit: w.commit,
    reject: w.reject,
    rejectHint: w.rejectHint,
    ...(w.transfer ? { transfer: true } : {}),
    ...(w.repair ? { repair: w.repair } : {}),
    ...(meta ? { snapshot: snapshotData ? { meta, data: snapshotData } : { meta } } : {}),
    ...(w.context.length > 0 ? { context: new Uint8Array(w.context) } : {}),
  };
}

function entryFromWire(e: WireEntryOut): Entry {
  const type = FROM_WIRE_TYPE[e.type];
  if (!type) throw new Error(`unknown entry type ${JSON.stringify(e.type)}`);
  return { term: e.term, index: e.index, type, data: e.data };
}

export function metaFromWire(w: WireMetaOut): SnapshotMeta {
  return { index: w.index, term: w.term, conf: { voters: w.conf?.voters ?? [], learners: w.conf?.learners ?? [] } };
}
