// Original file: proto/fleet/v1/peer.proto

import type { RaftMessage as _fleet_v1_RaftMessage, RaftMessage__Output as _fleet_v1_RaftMessage__Output } from '../../fleet/v1/RaftMessage.js';

export interface SnapshotChunk {
  'cluster'?: (string);
  'message'?: (_fleet_v1_RaftMessage | null);
  'data'?: (Buffer | Uint8Array | string);
  'done'?: (boolean);
  'clusterId'?: (string);
}

export interface SnapshotChunk__Output {
  'cluster': (string);
  'message': (_fleet_v1_RaftMessage__Output | null);
  'data': (Buffer);
  'done': (boolean);
  'clusterId': (string);
}
