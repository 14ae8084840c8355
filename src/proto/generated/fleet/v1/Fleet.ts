// Original file: proto/fleet/v1/client.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MemberStatus as _fleet_v1_MemberStatus, MemberStatus__Output as _fleet_v1_MemberStatus__Output } from '../../fleet/v1/MemberStatus.js';
import type { ReadRequest as _fleet_v1_ReadRequest, ReadRequest__Output as _fleet_v1_ReadRequest__Output } from '../../fleet/v1/ReadRequest.js';
import type { ReadResponse as _fleet_v1_ReadResponse, ReadResponse__Output as _fleet_v1_ReadResponse__Output } from '../../fleet/v1/ReadResponse.js';
import type { SessionRequests as _fleet_v1_SessionRequests, SessionRequests__Output as _fleet_v1_SessionRequests__Output } from '../../fleet/v1/SessionRequests.js';
import type { SessionResponses as _fleet_v1_SessionResponses, SessionResponses__Output as _fleet_v1_SessionResponses__Output } from '../../fleet/v1/SessionResponses.js';
import type { StatusRequest as _fleet_v1_StatusRequest, StatusRequest__Output as _fleet_v1_StatusRequest__Output } from '../../fleet/v1/StatusRequest.js';
import type { SubmitRequest as _fleet_v1_SubmitRequest, SubmitRequest__Output as _fleet_v1_SubmitRequest__Output } from '../../fleet/v1/SubmitRequest.js';
import type { SubmitResponse as _fleet_v1_SubmitResponse, SubmitResponse__Output as _fleet_v1_SubmitResponse__Output } from '../../fleet/v1/SubmitResponse.js';
import type { WatchRequest as _fleet_v1_WatchRequest, WatchRequest__Output as _fleet_v1_WatchRequest__Output } from '../../fleet/v1/WatchRequest.js';
import type { WatchResponse as _fleet_v1_WatchResponse, WatchResponse__Output as _fleet_v1_WatchResponse__Output } from '../../fleet/v1/WatchResponse.js';
import type { WriteRequest as _fleet_v1_WriteRequest, WriteRequest__Output as _fleet_v1_WriteRequest__Output } from '../../fleet/v1/WriteRequest.js';
import type { WriteResponse as _fleet_v1_WriteResponse, WriteResponse__Output as _fleet_v1_WriteResponse__Output } from '../../fleet/v1/WriteResponse.js';

export interface FleetClient extends grpc.Client {
  Read(argument: _fleet_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fleet_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fleet_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fleet_v1_ReadRequest, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fleet_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fleet_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fleet_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fleet_v1_ReadRequest, callback: grpc.requestCallback<_fleet_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleet_v1_SessionRequests, _fleet_v1_SessionResponses__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleet_v1_SessionRequests, _fleet_v1_SessionResponses__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleet_v1_SessionRequests, _fleet_v1_SessionResponses__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fleet_v1_SessionRequests, _fleet_v1_SessionResponses__Output>;
  
  Status(argument: _fleet_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleet_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleet_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _fleet_v1_StatusRequest, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _fleet_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _fleet_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _fleet_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _fleet_v1_StatusRequest, callback: grpc.requestCallback<_fleet_v1_MemberStatus__Output>): grpc.ClientUnaryCall;
  
  Submit(argument: _fleet_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _fleet_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _fleet_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _fleet_v1_SubmitRequest, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _fleet_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _fleet_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _fleet_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _fleet_v1_SubmitRequest, callback: grpc.requestCallback<_fleet_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _fleet_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_WatchResponse__Output>;
  Watch(argument: _fleet_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_WatchResponse__Output>;
  watch(argument: _fleet_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_WatchResponse__Output>;
  watch(argument: _fleet_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_WatchResponse__Output>;
  
  Write(argument: _fleet_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fleet_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fleet_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fleet_v1_WriteRequest, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fleet_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fleet_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fleet_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fleet_v1_WriteRequest, callback: grpc.requestCallback<_fleet_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FleetHandlers extends grpc.UntypedServiceImplementation {
  Read: grpc.handleUnaryCall<_fleet_v1_ReadRequest__Output, _fleet_v1_ReadResponse>;
  
  Session: grpc.handleBidiStreamingCall<_fleet_v1_SessionRequests__Output, _fleet_v1_SessionResponses>;
  
  Status: grpc.handleUnaryCall<_fleet_v1_StatusRequest__Output, _fleet_v1_MemberStatus>;
  
  Submit: grpc.handleUnaryCall<_fleet_v1_SubmitRequest__Output, _fleet_v1_SubmitResponse>;
  
  Watch: grpc.handleServerStreamingCall<_fleet_v1_WatchRequest__Output, _fleet_v1_WatchResponse>;
  
  Write: grpc.handleUnaryCall<_fleet_v1_WriteRequest__Output, _fleet_v1_WriteResponse>;
  
}

export interface FleetDefinition extends grpc.ServiceDefinition {
  Read: MethodDefinition<_fleet_v1_ReadRequest, _fleet_v1_ReadResponse, _fleet_v1_ReadRequest__Output, _fleet_v1_ReadResponse__Output>
  Session: MethodDefinition<_fleet_v1_SessionRequests, _fleet_v1_SessionResponses, _fleet_v1_SessionRequests__Output, _fleet_v1_SessionResponses__Output>
  Status: MethodDefinition<_fleet_v1_StatusRequest, _fleet_v1_MemberStatus, _fleet_v1_StatusRequest__Output, _fleet_v1_MemberStatus__Output>
  Submit: MethodDefinition<_fleet_v1_SubmitRequest, _fleet_v1_SubmitResponse, _fleet_v1_SubmitRequest__Output, _fleet_v1_SubmitResponse__Output>
  Watch: MethodDefinition<_fleet_v1_WatchRequest, _fleet_v1_WatchResponse, _fleet_v1_WatchRequest__Output, _fleet_v1_WatchResponse__Output>
  Write: MethodDefinition<_fleet_v1_WriteRequest, _fleet_v1_WriteResponse, _fleet_v1_WriteRequest__Output, _fleet_v1_WriteResponse__Output>
}
