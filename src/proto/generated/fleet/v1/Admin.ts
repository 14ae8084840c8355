// Original file: proto/fleet/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddMemberRequest as _fleet_v1_AddMemberRequest, AddMemberRequest__Output as _fleet_v1_AddMemberRequest__Output } from '../../fleet/v1/AddMemberRequest.js';
import type { AuditResponse as _fleet_v1_AuditResponse, AuditResponse__Output as _fleet_v1_AuditResponse__Output } from '../../fleet/v1/AuditResponse.js';
import type { AutopilotSettingsResponse as _fleet_v1_AutopilotSettingsResponse, AutopilotSettingsResponse__Output as _fleet_v1_AutopilotSettingsResponse__Output } from '../../fleet/v1/AutopilotSettingsResponse.js';
import type { DownloadSnapshotRequest as _fleet_v1_DownloadSnapshotRequest, DownloadSnapshotRequest__Output as _fleet_v1_DownloadSnapshotRequest__Output } from '../../fleet/v1/DownloadSnapshotRequest.js';
import type { GetAuditRequest as _fleet_v1_GetAuditRequest, GetAuditRequest__Output as _fleet_v1_GetAuditRequest__Output } from '../../fleet/v1/GetAuditRequest.js';
import type { GetAutopilotRequest as _fleet_v1_GetAutopilotRequest, GetAutopilotRequest__Output as _fleet_v1_GetAutopilotRequest__Output } from '../../fleet/v1/GetAutopilotRequest.js';
import type { ListMembersRequest as _fleet_v1_ListMembersRequest, ListMembersRequest__Output as _fleet_v1_ListMembersRequest__Output } from '../../fleet/v1/ListMembersRequest.js';
import type { MembersResponse as _fleet_v1_MembersResponse, MembersResponse__Output as _fleet_v1_MembersResponse__Output } from '../../fleet/v1/MembersResponse.js';
import type { PromoteMemberRequest as _fleet_v1_PromoteMemberRequest, PromoteMemberRequest__Output as _fleet_v1_PromoteMemberRequest__Output } from '../../fleet/v1/PromoteMemberRequest.js';
import type { RecordAuditRequest as _fleet_v1_RecordAuditRequest, RecordAuditRequest__Output as _fleet_v1_RecordAuditRequest__Output } from '../../fleet/v1/RecordAuditRequest.js';
import type { RecordAuditResponse as _fleet_v1_RecordAuditResponse, RecordAuditResponse__Output as _fleet_v1_RecordAuditResponse__Output } from '../../fleet/v1/RecordAuditResponse.js';
import type { RecordDrillRequest as _fleet_v1_RecordDrillRequest, RecordDrillRequest__Output as _fleet_v1_RecordDrillRequest__Output } from '../../fleet/v1/RecordDrillRequest.js';
import type { RecordDrillResponse as _fleet_v1_RecordDrillResponse, RecordDrillResponse__Output as _fleet_v1_RecordDrillResponse__Output } from '../../fleet/v1/RecordDrillResponse.js';
import type { RemoveMemberRequest as _fleet_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _fleet_v1_RemoveMemberRequest__Output } from '../../fleet/v1/RemoveMemberRequest.js';
import type { SetAutopilotRequest as _fleet_v1_SetAutopilotRequest, SetAutopilotRequest__Output as _fleet_v1_SetAutopilotRequest__Output } from '../../fleet/v1/SetAutopilotRequest.js';
import type { SnapshotData as _fleet_v1_SnapshotData, SnapshotData__Output as _fleet_v1_SnapshotData__Output } from '../../fleet/v1/SnapshotData.js';
import type { TakeSnapshotRequest as _fleet_v1_TakeSnapshotRequest, TakeSnapshotRequest__Output as _fleet_v1_TakeSnapshotRequest__Output } from '../../fleet/v1/TakeSnapshotRequest.js';
import type { TakeSnapshotResponse as _fleet_v1_TakeSnapshotResponse, TakeSnapshotResponse__Output as _fleet_v1_TakeSnapshotResponse__Output } from '../../fleet/v1/TakeSnapshotResponse.js';
import type { TransferLeaderRequest as _fleet_v1_TransferLeaderRequest, TransferLeaderRequest__Output as _fleet_v1_TransferLeaderRequest__Output } from '../../fleet/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse as _fleet_v1_TransferLeaderResponse, TransferLeaderResponse__Output as _fleet_v1_TransferLeaderResponse__Output } from '../../fleet/v1/TransferLeaderResponse.js';

export interface AdminClient extends grpc.Client {
  AddMember(argument: _fleet_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _fleet_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _fleet_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _fleet_v1_AddMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _fleet_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _fleet_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _fleet_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _fleet_v1_AddMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  
  DownloadSnapshot(argument: _fleet_v1_DownloadSnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_SnapshotData__Output>;
  DownloadSnapshot(argument: _fleet_v1_DownloadSnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_SnapshotData__Output>;
  downloadSnapshot(argument: _fleet_v1_DownloadSnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_SnapshotData__Output>;
  downloadSnapshot(argument: _fleet_v1_DownloadSnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_SnapshotData__Output>;
  
  GetAudit(argument: _fleet_v1_GetAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  GetAudit(argument: _fleet_v1_GetAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  GetAudit(argument: _fleet_v1_GetAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  GetAudit(argument: _fleet_v1_GetAuditRequest, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  getAudit(argument: _fleet_v1_GetAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  getAudit(argument: _fleet_v1_GetAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  getAudit(argument: _fleet_v1_GetAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  getAudit(argument: _fleet_v1_GetAuditRequest, callback: grpc.requestCallback<_fleet_v1_AuditResponse__Output>): grpc.ClientUnaryCall;
  
  GetAutopilot(argument: _fleet_v1_GetAutopilotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  GetAutopilot(argument: _fleet_v1_GetAutopilotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  GetAutopilot(argument: _fleet_v1_GetAutopilotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  GetAutopilot(argument: _fleet_v1_GetAutopilotRequest, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  getAutopilot(argument: _fleet_v1_GetAutopilotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  getAutopilot(argument: _fleet_v1_GetAutopilotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  getAutopilot(argument: _fleet_v1_GetAutopilotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  getAutopilot(argument: _fleet_v1_GetAutopilotRequest, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  
  ListMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  ListMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  ListMembers(argument: _fleet_v1_ListMembersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  ListMembers(argument: _fleet_v1_ListMembersRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  listMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  listMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  listMembers(argument: _fleet_v1_ListMembersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  listMembers(argument: _fleet_v1_ListMembersRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  
  PromoteMember(argument: _fleet_v1_PromoteMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _fleet_v1_PromoteMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _fleet_v1_PromoteMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _fleet_v1_PromoteMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _fleet_v1_PromoteMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _fleet_v1_PromoteMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _fleet_v1_PromoteMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _fleet_v1_PromoteMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  
  RecordAudit(argument: _fleet_v1_RecordAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  RecordAudit(argument: _fleet_v1_RecordAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  RecordAudit(argument: _fleet_v1_RecordAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  RecordAudit(argument: _fleet_v1_RecordAuditRequest, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  recordAudit(argument: _fleet_v1_RecordAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  recordAudit(argument: _fleet_v1_RecordAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  recordAudit(argument: _fleet_v1_RecordAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  recordAudit(argument: _fleet_v1_RecordAuditRequest, callback: grpc.requestCallback<_fleet_v1_RecordAuditResponse__Output>): grpc.ClientUnaryCall;
  
  RecordDrill(argument: _fleet_v1_RecordDrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  RecordDrill(argument: _fleet_v1_RecordDrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  RecordDrill(argument: _fleet_v1_RecordDrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  RecordDrill(argument: _fleet_v1_RecordDrillRequest, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  recordDrill(argument: _fleet_v1_RecordDrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  recordDrill(argument: _fleet_v1_RecordDrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  recordDrill(argument: _fleet_v1_RecordDrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  recordDrill(argument: _fleet_v1_RecordDrillRequest, callback: grpc.requestCallback<_fleet_v1_RecordDrillResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveMember(argument: _fleet_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _fleet_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _fleet_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _fleet_v1_RemoveMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _fleet_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _fleet_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _fleet_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _fleet_v1_RemoveMemberRequest, callback: grpc.requestCallback<_fleet_v1_MembersResponse__Output>): grpc.ClientUnaryCall;
  
  SetAutopilot(argument: _fleet_v1_SetAutopilotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  SetAutopilot(argument: _fleet_v1_SetAutopilotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  SetAutopilot(argument: _fleet_v1_SetAutopilotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  SetAutopilot(argument: _fleet_v1_SetAutopilotRequest, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  setAutopilot(argument: _fleet_v1_SetAutopilotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  setAutopilot(argument: _fleet_v1_SetAutopilotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  setAutopilot(argument: _fleet_v1_SetAutopilotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  setAutopilot(argument: _fleet_v1_SetAutopilotRequest, callback: grpc.requestCallback<_fleet_v1_AutopilotSettingsResponse__Output>): grpc.ClientUnaryCall;
  
  TakeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  TakeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  TakeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  TakeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  takeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  takeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  takeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  takeSnapshot(argument: _fleet_v1_TakeSnapshotRequest, callback: grpc.requestCallback<_fleet_v1_TakeSnapshotResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeader(argument: _fleet_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _fleet_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _fleet_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _fleet_v1_TransferLeaderRequest, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _fleet_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _fleet_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _fleet_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _fleet_v1_TransferLeaderRequest, callback: grpc.requestCallback<_fleet_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  
  WatchMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_MembersResponse__Output>;
  WatchMembers(argument: _fleet_v1_ListMembersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_MembersResponse__Output>;
  watchMembers(argument: _fleet_v1_ListMembersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_MembersResponse__Output>;
  watchMembers(argument: _fleet_v1_ListMembersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fleet_v1_MembersResponse__Output>;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  AddMember: grpc.handleUnaryCall<_fleet_v1_AddMemberRequest__Output, _fleet_v1_MembersResponse>;
  
  DownloadSnapshot: grpc.handleServerStreamingCall<_fleet_v1_DownloadSnapshotRequest__Output, _fleet_v1_SnapshotData>;
  
  GetAudit: grpc.handleUnaryCall<_fleet_v1_GetAuditRequest__Output, _fleet_v1_AuditResponse>;
  
  GetAutopilot: grpc.handleUnaryCall<_fleet_v1_GetAutopilotRequest__Output, _fleet_v1_AutopilotSettingsResponse>;
  
  ListMembers: grpc.handleUnaryCall<_fleet_v1_ListMembersRequest__Output, _fleet_v1_MembersResponse>;
  
  PromoteMember: grpc.handleUnaryCall<_fleet_v1_PromoteMemberRequest__Output, _fleet_v1_MembersResponse>;
  
  RecordAudit: grpc.handleUnaryCall<_fleet_v1_RecordAuditRequest__Output, _fleet_v1_RecordAuditResponse>;
  
  RecordDrill: grpc.handleUnaryCall<_fleet_v1_RecordDrillRequest__Output, _fleet_v1_RecordDrillResponse>;
  
  RemoveMember: grpc.handleUnaryCall<_fleet_v1_RemoveMemberRequest__Output, _fleet_v1_MembersResponse>;
  
  SetAutopilot: grpc.handleUnaryCall<_fleet_v1_SetAutopilotRequest__Output, _fleet_v1_AutopilotSettingsResponse>;
  
  TakeSnapshot: grpc.handleUnaryCall<_fleet_v1_TakeSnapshotRequest__Output, _fleet_v1_TakeSnapshotResponse>;
  
  TransferLeader: grpc.handleUnaryCall<_fleet_v1_TransferLeaderRequest__Output, _fleet_v1_TransferLeaderResponse>;
  
  WatchMembers: grpc.handleServerStreamingCall<_fleet_v1_ListMembersRequest__Output, _fleet_v1_MembersResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  AddMember: MethodDefinition<_fleet_v1_AddMemberRequest, _fleet_v1_MembersResponse, _fleet_v1_AddMemberRequest__Output, _fleet_v1_MembersResponse__Output>
  DownloadSnapshot: MethodDefinition<_fleet_v1_DownloadSnapshotRequest, _fleet_v1_SnapshotData, _fleet_v1_DownloadSnapshotRequest__Output, _fleet_v1_SnapshotData__Output>
  GetAudit: MethodDefinition<_fleet_v1_GetAuditRequest, _fleet_v1_AuditResponse, _fleet_v1_GetAuditRequest__Output, _fleet_v1_AuditResponse__Output>
  GetAutopilot: MethodDefinition<_fleet_v1_GetAutopilotRequest, _fleet_v1_AutopilotSettingsResponse, _fleet_v1_GetAutopilotRequest__Output, _fleet_v1_AutopilotSettingsResponse__Output>
  ListMembers: MethodDefinition<_fleet_v1_ListMembersRequest, _fleet_v1_MembersResponse, _fleet_v1_ListMembersRequest__Output, _fleet_v1_MembersResponse__Output>
  PromoteMember: MethodDefinition<_fleet_v1_PromoteMemberRequest, _fleet_v1_MembersResponse, _fleet_v1_PromoteMemberRequest__Output, _fleet_v1_MembersResponse__Output>
  RecordAudit: MethodDefinition<_fleet_v1_RecordAuditRequest, _fleet_v1_RecordAuditResponse, _fleet_v1_RecordAuditRequest__Output, _fleet_v1_RecordAuditResponse__Output>
  RecordDrill: MethodDefinition<_fleet_v1_RecordDrillRequest, _fleet_v1_RecordDrillResponse, _fleet_v1_RecordDrillRequest__Output, _fleet_v1_RecordDrillResponse__Output>
  RemoveMember: MethodDefinition<_fleet_v1_RemoveMemberRequest, _fleet_v1_MembersResponse, _fleet_v1_RemoveMemberRequest__Output, _fleet_v1_MembersResponse__Output>
  SetAutopilot: MethodDefinition<_fleet_v1_SetAutopilotRequest, _fleet_v1_AutopilotSettingsResponse, _fleet_v1_SetAutopilotRequest__Output, _fleet_v1_AutopilotSettingsResponse__Output>
  TakeSnapshot: MethodDefinition<_fleet_v1_TakeSnapshotRequest, _fleet_v1_TakeSnapshotResponse, _fleet_v1_TakeSnapshotRequest__Output, _fleet_v1_TakeSnapshotResponse__Output>
  TransferLeader: MethodDefinition<_fleet_v1_TransferLeaderRequest, _fleet_v1_TransferLeaderResponse, _fleet_v1_TransferLeaderRequest__Output, _fleet_v1_TransferLeaderResponse__Output>
  WatchMembers: MethodDefinition<_fleet_v1_ListMembersRequest, _fleet_v1_MembersResponse, _fleet_v1_ListMembersRequest__Output, _fleet_v1_MembersResponse__Output>
}
