// Original file: proto/fleet/v1/peer.proto


export interface SnapshotAck {
  'installed'?: (boolean);
}

export interface SnapshotAck__Output {
  'installed': (boolean);
}
