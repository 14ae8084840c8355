// Original file: proto/fleet/v1/peer.proto

import type { Entry as _fleet_v1_Entry, Entry__Output as _fleet_v1_Entry__Output } from '../../fleet/v1/Entry.js';
import type { SnapshotMeta as _fleet_v1_SnapshotMeta, SnapshotMeta__Output as _fleet_v1_SnapshotMeta__Output } from '../../fleet/v1/SnapshotMeta.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftMessage {
  'type'?: (string);
  'from'?: (string);
  'to'?: (string);
  'term'?: (number | string | Long);
  'logTerm'?: (number | string | Long);
  'index'?: (number | string | Long);
  'entries'?: (_fleet_v1_Entry)[];
  'commit'?: (number | string | Long);
  'reject'?: (boolean);
  'rejectHint'?: (number | string | Long);
  'transfer'?: (boolean);
  'snapshot'?: (_fleet_v1_SnapshotMeta | null);
  'context'?: (Buffer | Uint8Array | string);
  'repair'?: (number);
}

export interface RaftMessage__Output {
  'type': (string);
  'from': (string);
  'to': (string);
  'term': (number);
  'logTerm': (number);
  'index': (number);
  'entries': (_fleet_v1_Entry__Output)[];
  'commit': (number);
  'reject': (boolean);
  'rejectHint': (number);
  'transfer': (boolean);
  'snapshot': (_fleet_v1_SnapshotMeta__Output | null);
  'context': (Buffer);
  'repair': (number);
}
