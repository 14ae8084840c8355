// Original file: proto/fleet/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DrillRequest as _fleet_v1_DrillRequest, DrillRequest__Output as _fleet_v1_DrillRequest__Output } from '../../fleet/v1/DrillRequest.js';
import type { DrillResponse as _fleet_v1_DrillResponse, DrillResponse__Output as _fleet_v1_DrillResponse__Output } from '../../fleet/v1/DrillResponse.js';

export interface DrillsClient extends grpc.Client {
  Drill(argument: _fleet_v1_DrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  Drill(argument: _fleet_v1_DrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  Drill(argument: _fleet_v1_DrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  Drill(argument: _fleet_v1_DrillRequest, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  drill(argument: _fleet_v1_DrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  drill(argument: _fleet_v1_DrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  drill(argument: _fleet_v1_DrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  drill(argument: _fleet_v1_DrillRequest, callback: grpc.requestCallback<_fleet_v1_DrillResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface DrillsHandlers extends grpc.UntypedServiceImplementation {
  Drill: grpc.handleUnaryCall<_fleet_v1_DrillRequest__Output, _fleet_v1_DrillResponse>;
  
}

export interface DrillsDefinition extends grpc.ServiceDefinition {
  Drill: MethodDefinition<_fleet_v1_DrillRequest, _fleet_v1_DrillResponse, _fleet_v1_DrillRequest__Output, _fleet_v1_DrillResponse__Output>
}
