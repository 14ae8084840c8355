// Original file: proto/fleet/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PeerAck as _fleet_v1_PeerAck, PeerAck__Output as _fleet_v1_PeerAck__Output } from '../../fleet/v1/PeerAck.js';
import type { PeerBatch as _fleet_v1_PeerBatch, PeerBatch__Output as _fleet_v1_PeerBatch__Output } from '../../fleet/v1/PeerBatch.js';
import type { SnapshotAck as _fleet_v1_SnapshotAck, SnapshotAck__Output as _fleet_v1_SnapshotAck__Output } from '../../fleet/v1/SnapshotAck.js';
import type { SnapshotChunk as _fleet_v1_SnapshotChunk, SnapshotChunk__Output as _fleet_v1_SnapshotChunk__Output } from '../../fleet/v1/SnapshotChunk.js';

export interface PeerClient extends grpc.Client {
  InstallSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  InstallSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  InstallSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  InstallSnapshot(callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  installSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  installSnapshot(callback: grpc.requestCallback<_fleet_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_fleet_v1_SnapshotChunk>;
  
  Replicate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  Replicate(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  Replicate(options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  Replicate(callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  replicate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  replicate(metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  replicate(options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  replicate(callback: grpc.requestCallback<_fleet_v1_PeerAck__Output>): grpc.ClientWritableStream<_fleet_v1_PeerBatch>;
  
}

export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  InstallSnapshot: grpc.handleClientStreamingCall<_fleet_v1_SnapshotChunk__Output, _fleet_v1_SnapshotAck>;
  
  Replicate: grpc.handleClientStreamingCall<_fleet_v1_PeerBatch__Output, _fleet_v1_PeerAck>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  InstallSnapshot: MethodDefinition<_fleet_v1_SnapshotChunk, _fleet_v1_SnapshotAck, _fleet_v1_SnapshotChunk__Output, _fleet_v1_SnapshotAck__Output>
  Replicate: MethodDefinition<_fleet_v1_PeerBatch, _fleet_v1_PeerAck, _fleet_v1_PeerBatch__Output, _fleet_v1_PeerAck__Output>
}
