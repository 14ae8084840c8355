import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfState as _fleet_v1_ConfState, ConfState__Output as _fleet_v1_ConfState__Output } from './fleet/v1/ConfState.js';
import type { Entry as _fleet_v1_Entry, Entry__Output as _fleet_v1_Entry__Output } from './fleet/v1/Entry.js';
import type { PeerClient as _fleet_v1_PeerClient, PeerDefinition as _fleet_v1_PeerDefinition } from './fleet/v1/Peer.js';
import type { PeerAck as _fleet_v1_PeerAck, PeerAck__Output as _fleet_v1_PeerAck__Output } from './fleet/v1/PeerAck.js';
import type { PeerBatch as _fleet_v1_PeerBatch, PeerBatch__Output as _fleet_v1_PeerBatch__Output } from './fleet/v1/PeerBatch.js';
import type { RaftMessage as _fleet_v1_RaftMessage, RaftMessage__Output as _fleet_v1_RaftMessage__Output } from './fleet/v1/RaftMessage.js';
import type { SnapshotAck as _fleet_v1_SnapshotAck, SnapshotAck__Output as _fleet_v1_SnapshotAck__Output } from './fleet/v1/SnapshotAck.js';
import type { SnapshotChunk as _fleet_v1_SnapshotChunk, SnapshotChunk__Output as _fleet_v1_SnapshotChunk__Output } from './fleet/v1/SnapshotChunk.js';
import type { SnapshotMeta as _fleet_v1_SnapshotMeta, SnapshotMeta__Output as _fleet_v1_SnapshotMeta__Output } from './fleet/v1/SnapshotMeta.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fleet: {
    v1: {
      ConfState: MessageTypeDefinition<_fleet_v1_ConfState, _fleet_v1_ConfState__Output>
      Entry: MessageTypeDefinition<_fleet_v1_Entry, _fleet_v1_Entry__Output>
      EntryType: EnumTypeDefinition
      Peer: SubtypeConstructor<typeof grpc.Client, _fleet_v1_PeerClient> & { service: _fleet_v1_PeerDefinition }
      PeerAck: MessageTypeDefinition<_fleet_v1_PeerAck, _fleet_v1_PeerAck__Output>
      PeerBatch: MessageTypeDefinition<_fleet_v1_PeerBatch, _fleet_v1_PeerBatch__Output>
      RaftMessage: MessageTypeDefinition<_fleet_v1_RaftMessage, _fleet_v1_RaftMessage__Output>
      SnapshotAck: MessageTypeDefinition<_fleet_v1_SnapshotAck, _fleet_v1_SnapshotAck__Output>
      SnapshotChunk: MessageTypeDefinition<_fleet_v1_SnapshotChunk, _fleet_v1_SnapshotChunk__Output>
      SnapshotMeta: MessageTypeDefinition<_fleet_v1_SnapshotMeta, _fleet_v1_SnapshotMeta__Output>
    }
  }
}

