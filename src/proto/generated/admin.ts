import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddMemberRequest as _fleet_v1_AddMemberRequest, AddMemberRequest__Output as _fleet_v1_AddMemberRequest__Output } from './fleet/v1/AddMemberRequest.js';
import type { AdminClient as _fleet_v1_AdminClient, AdminDefinition as _fleet_v1_AdminDefinition } from './fleet/v1/Admin.js';
import type { AuditEntry as _fleet_v1_AuditEntry, AuditEntry__Output as _fleet_v1_AuditEntry__Output } from './fleet/v1/AuditEntry.js';
import type { AuditResponse as _fleet_v1_AuditResponse, AuditResponse__Output as _fleet_v1_AuditResponse__Output } from './fleet/v1/AuditResponse.js';
import type { AutopilotSettings as _fleet_v1_AutopilotSettings, AutopilotSettings__Output as _fleet_v1_AutopilotSettings__Output } from './fleet/v1/AutopilotSettings.js';
import type { AutopilotSettingsResponse as _fleet_v1_AutopilotSettingsResponse, AutopilotSettingsResponse__Output as _fleet_v1_AutopilotSettingsResponse__Output } from './fleet/v1/AutopilotSettingsResponse.js';
import type { AutopilotState as _fleet_v1_AutopilotState, AutopilotState__Output as _fleet_v1_AutopilotState__Output } from './fleet/v1/AutopilotState.js';
import type { BackupFailure as _fleet_v1_BackupFailure, BackupFailure__Output as _fleet_v1_BackupFailure__Output } from './fleet/v1/BackupFailure.js';
import type { BackupState as _fleet_v1_BackupState, BackupState__Output as _fleet_v1_BackupState__Output } from './fleet/v1/BackupState.js';
import type { BackupTaken as _fleet_v1_BackupTaken, BackupTaken__Output as _fleet_v1_BackupTaken__Output } from './fleet/v1/BackupTaken.js';
import type { ClusterContact as _fleet_v1_ClusterContact, ClusterContact__Output as _fleet_v1_ClusterContact__Output } from './fleet/v1/ClusterContact.js';
import type { ClusterContactResult as _fleet_v1_ClusterContactResult, ClusterContactResult__Output as _fleet_v1_ClusterContactResult__Output } from './fleet/v1/ClusterContactResult.js';
import type { ClusterHeartbeat as _fleet_v1_ClusterHeartbeat, ClusterHeartbeat__Output as _fleet_v1_ClusterHeartbeat__Output } from './fleet/v1/ClusterHeartbeat.js';
import type { ClusterHeartbeatResult as _fleet_v1_ClusterHeartbeatResult, ClusterHeartbeatResult__Output as _fleet_v1_ClusterHeartbeatResult__Output } from './fleet/v1/ClusterHeartbeatResult.js';
import type { ClusterLookup as _fleet_v1_ClusterLookup, ClusterLookup__Output as _fleet_v1_ClusterLookup__Output } from './fleet/v1/ClusterLookup.js';
import type { ClusterPage as _fleet_v1_ClusterPage, ClusterPage__Output as _fleet_v1_ClusterPage__Output } from './fleet/v1/ClusterPage.js';
import type { ClusterPrune as _fleet_v1_ClusterPrune, ClusterPrune__Output as _fleet_v1_ClusterPrune__Output } from './fleet/v1/ClusterPrune.js';
import type { ClusterPruneResult as _fleet_v1_ClusterPruneResult, ClusterPruneResult__Output as _fleet_v1_ClusterPruneResult__Output } from './fleet/v1/ClusterPruneResult.js';
import type { ClusterRebind as _fleet_v1_ClusterRebind, ClusterRebind__Output as _fleet_v1_ClusterRebind__Output } from './fleet/v1/ClusterRebind.js';
import type { ClusterRebindBatch as _fleet_v1_ClusterRebindBatch, ClusterRebindBatch__Output as _fleet_v1_ClusterRebindBatch__Output } from './fleet/v1/ClusterRebindBatch.js';
import type { ClusterRebindBatchResult as _fleet_v1_ClusterRebindBatchResult, ClusterRebindBatchResult__Output as _fleet_v1_ClusterRebindBatchResult__Output } from './fleet/v1/ClusterRebindBatchResult.js';
import type { ClusterRebindResult as _fleet_v1_ClusterRebindResult, ClusterRebindResult__Output as _fleet_v1_ClusterRebindResult__Output } from './fleet/v1/ClusterRebindResult.js';
import type { ClusterUnbind as _fleet_v1_ClusterUnbind, ClusterUnbind__Output as _fleet_v1_ClusterUnbind__Output } from './fleet/v1/ClusterUnbind.js';
import type { ClusterUnbindResult as _fleet_v1_ClusterUnbindResult, ClusterUnbindResult__Output as _fleet_v1_ClusterUnbindResult__Output } from './fleet/v1/ClusterUnbindResult.js';
import type { ClusterVersion as _fleet_v1_ClusterVersion, ClusterVersion__Output as _fleet_v1_ClusterVersion__Output } from './fleet/v1/ClusterVersion.js';
import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from './fleet/v1/ClusterView.js';
import type { Counts as _fleet_v1_Counts, Counts__Output as _fleet_v1_Counts__Output } from './fleet/v1/Counts.js';
import type { DomainAssign as _fleet_v1_DomainAssign, DomainAssign__Output as _fleet_v1_DomainAssign__Output } from './fleet/v1/DomainAssign.js';
import type { DomainAssignResult as _fleet_v1_DomainAssignResult, DomainAssignResult__Output as _fleet_v1_DomainAssignResult__Output } from './fleet/v1/DomainAssignResult.js';
import type { DomainList as _fleet_v1_DomainList, DomainList__Output as _fleet_v1_DomainList__Output } from './fleet/v1/DomainList.js';
import type { DomainUnassign as _fleet_v1_DomainUnassign, DomainUnassign__Output as _fleet_v1_DomainUnassign__Output } from './fleet/v1/DomainUnassign.js';
import type { DomainUnassignResult as _fleet_v1_DomainUnassignResult, DomainUnassignResult__Output as _fleet_v1_DomainUnassignResult__Output } from './fleet/v1/DomainUnassignResult.js';
import type { DomainView as _fleet_v1_DomainView, DomainView__Output as _fleet_v1_DomainView__Output } from './fleet/v1/DomainView.js';
import type { DownloadSnapshotRequest as _fleet_v1_DownloadSnapshotRequest, DownloadSnapshotRequest__Output as _fleet_v1_DownloadSnapshotRequest__Output } from './fleet/v1/DownloadSnapshotRequest.js';
import type { DrillRequest as _fleet_v1_DrillRequest, DrillRequest__Output as _fleet_v1_DrillRequest__Output } from './fleet/v1/DrillRequest.js';
import type { DrillResponse as _fleet_v1_DrillResponse, DrillResponse__Output as _fleet_v1_DrillResponse__Output } from './fleet/v1/DrillResponse.js';
import type { DrillsClient as _fleet_v1_DrillsClient, DrillsDefinition as _fleet_v1_DrillsDefinition } from './fleet/v1/Drills.js';
import type { ErrorDetails as _fleet_v1_ErrorDetails, ErrorDetails__Output as _fleet_v1_ErrorDetails__Output } from './fleet/v1/ErrorDetails.js';
import type { FleetClient as _fleet_v1_FleetClient, FleetDefinition as _fleet_v1_FleetDefinition } from './fleet/v1/Fleet.js';
import type { FollowerProgress as _fleet_v1_FollowerProgress, FollowerProgress__Output as _fleet_v1_FollowerProgress__Output } from './fleet/v1/FollowerProgress.js';
import type { GetAuditRequest as _fleet_v1_GetAuditRequest, GetAuditRequest__Output as _fleet_v1_GetAuditRequest__Output } from './fleet/v1/GetAuditRequest.js';
import type { GetAutopilotRequest as _fleet_v1_GetAutopilotRequest, GetAutopilotRequest__Output as _fleet_v1_GetAutopilotRequest__Output } from './fleet/v1/GetAutopilotRequest.js';
import type { GetCluster as _fleet_v1_GetCluster, GetCluster__Output as _fleet_v1_GetCluster__Output } from './fleet/v1/GetCluster.js';
import type { GetShard as _fleet_v1_GetShard, GetShard__Output as _fleet_v1_GetShard__Output } from './fleet/v1/GetShard.js';
import type { KvCas as _fleet_v1_KvCas, KvCas__Output as _fleet_v1_KvCas__Output } from './fleet/v1/KvCas.js';
import type { KvCasResult as _fleet_v1_KvCasResult, KvCasResult__Output as _fleet_v1_KvCasResult__Output } from './fleet/v1/KvCasResult.js';
import type { KvDelete as _fleet_v1_KvDelete, KvDelete__Output as _fleet_v1_KvDelete__Output } from './fleet/v1/KvDelete.js';
import type { KvDeleteResult as _fleet_v1_KvDeleteResult, KvDeleteResult__Output as _fleet_v1_KvDeleteResult__Output } from './fleet/v1/KvDeleteResult.js';
import type { KvEntry as _fleet_v1_KvEntry, KvEntry__Output as _fleet_v1_KvEntry__Output } from './fleet/v1/KvEntry.js';
import type { KvGet as _fleet_v1_KvGet, KvGet__Output as _fleet_v1_KvGet__Output } from './fleet/v1/KvGet.js';
import type { KvList as _fleet_v1_KvList, KvList__Output as _fleet_v1_KvList__Output } from './fleet/v1/KvList.js';
import type { KvLookup as _fleet_v1_KvLookup, KvLookup__Output as _fleet_v1_KvLookup__Output } from './fleet/v1/KvLookup.js';
import type { KvMeta as _fleet_v1_KvMeta, KvMeta__Output as _fleet_v1_KvMeta__Output } from './fleet/v1/KvMeta.js';
import type { KvPage as _fleet_v1_KvPage, KvPage__Output as _fleet_v1_KvPage__Output } from './fleet/v1/KvPage.js';
import type { KvPut as _fleet_v1_KvPut, KvPut__Output as _fleet_v1_KvPut__Output } from './fleet/v1/KvPut.js';
import type { KvPutResult as _fleet_v1_KvPutResult, KvPutResult__Output as _fleet_v1_KvPutResult__Output } from './fleet/v1/KvPutResult.js';
import type { LabelSet as _fleet_v1_LabelSet, LabelSet__Output as _fleet_v1_LabelSet__Output } from './fleet/v1/LabelSet.js';
import type { LeaseAcquire as _fleet_v1_LeaseAcquire, LeaseAcquire__Output as _fleet_v1_LeaseAcquire__Output } from './fleet/v1/LeaseAcquire.js';
import type { LeaseAcquireResult as _fleet_v1_LeaseAcquireResult, LeaseAcquireResult__Output as _fleet_v1_LeaseAcquireResult__Output } from './fleet/v1/LeaseAcquireResult.js';
import type { LeaseExtension as _fleet_v1_LeaseExtension, LeaseExtension__Output as _fleet_v1_LeaseExtension__Output } from './fleet/v1/LeaseExtension.js';
import type { LeaseList as _fleet_v1_LeaseList, LeaseList__Output as _fleet_v1_LeaseList__Output } from './fleet/v1/LeaseList.js';
import type { LeaseRelease as _fleet_v1_LeaseRelease, LeaseRelease__Output as _fleet_v1_LeaseRelease__Output } from './fleet/v1/LeaseRelease.js';
import type { LeaseReleaseResult as _fleet_v1_LeaseReleaseResult, LeaseReleaseResult__Output as _fleet_v1_LeaseReleaseResult__Output } from './fleet/v1/LeaseReleaseResult.js';
import type { LeaseRenew as _fleet_v1_LeaseRenew, LeaseRenew__Output as _fleet_v1_LeaseRenew__Output } from './fleet/v1/LeaseRenew.js';
import type { LeaseRenewResult as _fleet_v1_LeaseRenewResult, LeaseRenewResult__Output as _fleet_v1_LeaseRenewResult__Output } from './fleet/v1/LeaseRenewResult.js';
import type { LeaseStatus as _fleet_v1_LeaseStatus, LeaseStatus__Output as _fleet_v1_LeaseStatus__Output } from './fleet/v1/LeaseStatus.js';
import type { LeaseView as _fleet_v1_LeaseView, LeaseView__Output as _fleet_v1_LeaseView__Output } from './fleet/v1/LeaseView.js';
import type { Linearizable as _fleet_v1_Linearizable, Linearizable__Output as _fleet_v1_Linearizable__Output } from './fleet/v1/Linearizable.js';
import type { ListClusters as _fleet_v1_ListClusters, ListClusters__Output as _fleet_v1_ListClusters__Output } from './fleet/v1/ListClusters.js';
import type { ListDomains as _fleet_v1_ListDomains, ListDomains__Output as _fleet_v1_ListDomains__Output } from './fleet/v1/ListDomains.js';
import type { ListLeases as _fleet_v1_ListLeases, ListLeases__Output as _fleet_v1_ListLeases__Output } from './fleet/v1/ListLeases.js';
import type { ListMembersRequest as _fleet_v1_ListMembersRequest, ListMembersRequest__Output as _fleet_v1_ListMembersRequest__Output } from './fleet/v1/ListMembersRequest.js';
import type { ListPlans as _fleet_v1_ListPlans, ListPlans__Output as _fleet_v1_ListPlans__Output } from './fleet/v1/ListPlans.js';
import type { ListProviders as _fleet_v1_ListProviders, ListProviders__Output as _fleet_v1_ListProviders__Output } from './fleet/v1/ListProviders.js';
import type { ListQuotas as _fleet_v1_ListQuotas, ListQuotas__Output as _fleet_v1_ListQuotas__Output } from './fleet/v1/ListQuotas.js';
import type { ListShards as _fleet_v1_ListShards, ListShards__Output as _fleet_v1_ListShards__Output } from './fleet/v1/ListShards.js';
import type { MemberHealth as _fleet_v1_MemberHealth, MemberHealth__Output as _fleet_v1_MemberHealth__Output } from './fleet/v1/MemberHealth.js';
import type { MemberInfo as _fleet_v1_MemberInfo, MemberInfo__Output as _fleet_v1_MemberInfo__Output } from './fleet/v1/MemberInfo.js';
import type { MemberStatus as _fleet_v1_MemberStatus, MemberStatus__Output as _fleet_v1_MemberStatus__Output } from './fleet/v1/MemberStatus.js';
import type { MembersResponse as _fleet_v1_MembersResponse, MembersResponse__Output as _fleet_v1_MembersResponse__Output } from './fleet/v1/MembersResponse.js';
import type { PeerDelay as _fleet_v1_PeerDelay, PeerDelay__Output as _fleet_v1_PeerDelay__Output } from './fleet/v1/PeerDelay.js';
import type { PeerRefusal as _fleet_v1_PeerRefusal, PeerRefusal__Output as _fleet_v1_PeerRefusal__Output } from './fleet/v1/PeerRefusal.js';
import type { PlanList as _fleet_v1_PlanList, PlanList__Output as _fleet_v1_PlanList__Output } from './fleet/v1/PlanList.js';
import type { PlanProgress as _fleet_v1_PlanProgress, PlanProgress__Output as _fleet_v1_PlanProgress__Output } from './fleet/v1/PlanProgress.js';
import type { PlanProgressResult as _fleet_v1_PlanProgressResult, PlanProgressResult__Output as _fleet_v1_PlanProgressResult__Output } from './fleet/v1/PlanProgressResult.js';
import type { PlanView as _fleet_v1_PlanView, PlanView__Output as _fleet_v1_PlanView__Output } from './fleet/v1/PlanView.js';
import type { PromoteMemberRequest as _fleet_v1_PromoteMemberRequest, PromoteMemberRequest__Output as _fleet_v1_PromoteMemberRequest__Output } from './fleet/v1/PromoteMemberRequest.js';
import type { ProviderAdd as _fleet_v1_ProviderAdd, ProviderAdd__Output as _fleet_v1_ProviderAdd__Output } from './fleet/v1/ProviderAdd.js';
import type { ProviderAddResult as _fleet_v1_ProviderAddResult, ProviderAddResult__Output as _fleet_v1_ProviderAddResult__Output } from './fleet/v1/ProviderAddResult.js';
import type { ProviderList as _fleet_v1_ProviderList, ProviderList__Output as _fleet_v1_ProviderList__Output } from './fleet/v1/ProviderList.js';
import type { ProviderRemove as _fleet_v1_ProviderRemove, ProviderRemove__Output as _fleet_v1_ProviderRemove__Output } from './fleet/v1/ProviderRemove.js';
import type { ProviderRemoveResult as _fleet_v1_ProviderRemoveResult, ProviderRemoveResult__Output as _fleet_v1_ProviderRemoveResult__Output } from './fleet/v1/ProviderRemoveResult.js';
import type { ProviderView as _fleet_v1_ProviderView, ProviderView__Output as _fleet_v1_ProviderView__Output } from './fleet/v1/ProviderView.js';
import type { QuotaList as _fleet_v1_QuotaList, QuotaList__Output as _fleet_v1_QuotaList__Output } from './fleet/v1/QuotaList.js';
import type { QuotaRemove as _fleet_v1_QuotaRemove, QuotaRemove__Output as _fleet_v1_QuotaRemove__Output } from './fleet/v1/QuotaRemove.js';
import type { QuotaRemoveResult as _fleet_v1_QuotaRemoveResult, QuotaRemoveResult__Output as _fleet_v1_QuotaRemoveResult__Output } from './fleet/v1/QuotaRemoveResult.js';
import type { QuotaSet as _fleet_v1_QuotaSet, QuotaSet__Output as _fleet_v1_QuotaSet__Output } from './fleet/v1/QuotaSet.js';
import type { QuotaSetResult as _fleet_v1_QuotaSetResult, QuotaSetResult__Output as _fleet_v1_QuotaSetResult__Output } from './fleet/v1/QuotaSetResult.js';
import type { QuotaView as _fleet_v1_QuotaView, QuotaView__Output as _fleet_v1_QuotaView__Output } from './fleet/v1/QuotaView.js';
import type { ReadRequest as _fleet_v1_ReadRequest, ReadRequest__Output as _fleet_v1_ReadRequest__Output } from './fleet/v1/ReadRequest.js';
import type { ReadResponse as _fleet_v1_ReadResponse, ReadResponse__Output as _fleet_v1_ReadResponse__Output } from './fleet/v1/ReadResponse.js';
import type { RebindMove as _fleet_v1_RebindMove, RebindMove__Output as _fleet_v1_RebindMove__Output } from './fleet/v1/RebindMove.js';
import type { RecordAuditRequest as _fleet_v1_RecordAuditRequest, RecordAuditRequest__Output as _fleet_v1_RecordAuditRequest__Output } from './fleet/v1/RecordAuditRequest.js';
import type { RecordAuditResponse as _fleet_v1_RecordAuditResponse, RecordAuditResponse__Output as _fleet_v1_RecordAuditResponse__Output } from './fleet/v1/RecordAuditResponse.js';
import type { RecordDrillRequest as _fleet_v1_RecordDrillRequest, RecordDrillRequest__Output as _fleet_v1_RecordDrillRequest__Output } from './fleet/v1/RecordDrillRequest.js';
import type { RecordDrillResponse as _fleet_v1_RecordDrillResponse, RecordDrillResponse__Output as _fleet_v1_RecordDrillResponse__Output } from './fleet/v1/RecordDrillResponse.js';
import type { RegistryCounts as _fleet_v1_RegistryCounts, RegistryCounts__Output as _fleet_v1_RegistryCounts__Output } from './fleet/v1/RegistryCounts.js';
import type { RemoveMemberRequest as _fleet_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _fleet_v1_RemoveMemberRequest__Output } from './fleet/v1/RemoveMemberRequest.js';
import type { RepairState as _fleet_v1_RepairState, RepairState__Output as _fleet_v1_RepairState__Output } from './fleet/v1/RepairState.js';
import type { RequestError as _fleet_v1_RequestError, RequestError__Output as _fleet_v1_RequestError__Output } from './fleet/v1/RequestError.js';
import type { SessionRequest as _fleet_v1_SessionRequest, SessionRequest__Output as _fleet_v1_SessionRequest__Output } from './fleet/v1/SessionRequest.js';
import type { SessionRequests as _fleet_v1_SessionRequests, SessionRequests__Output as _fleet_v1_SessionRequests__Output } from './fleet/v1/SessionRequests.js';
import type { SessionResponse as _fleet_v1_SessionResponse, SessionResponse__Output as _fleet_v1_SessionResponse__Output } from './fleet/v1/SessionResponse.js';
import type { SessionResponses as _fleet_v1_SessionResponses, SessionResponses__Output as _fleet_v1_SessionResponses__Output } from './fleet/v1/SessionResponses.js';
import type { SetAutopilotRequest as _fleet_v1_SetAutopilotRequest, SetAutopilotRequest__Output as _fleet_v1_SetAutopilotRequest__Output } from './fleet/v1/SetAutopilotRequest.js';
import type { ShardHeartbeat as _fleet_v1_ShardHeartbeat, ShardHeartbeat__Output as _fleet_v1_ShardHeartbeat__Output } from './fleet/v1/ShardHeartbeat.js';
import type { ShardHeartbeatResult as _fleet_v1_ShardHeartbeatResult, ShardHeartbeatResult__Output as _fleet_v1_ShardHeartbeatResult__Output } from './fleet/v1/ShardHeartbeatResult.js';
import type { ShardList as _fleet_v1_ShardList, ShardList__Output as _fleet_v1_ShardList__Output } from './fleet/v1/ShardList.js';
import type { ShardLookup as _fleet_v1_ShardLookup, ShardLookup__Output as _fleet_v1_ShardLookup__Output } from './fleet/v1/ShardLookup.js';
import type { ShardRegister as _fleet_v1_ShardRegister, ShardRegister__Output as _fleet_v1_ShardRegister__Output } from './fleet/v1/ShardRegister.js';
import type { ShardRegisterResult as _fleet_v1_ShardRegisterResult, ShardRegisterResult__Output as _fleet_v1_ShardRegisterResult__Output } from './fleet/v1/ShardRegisterResult.js';
import type { ShardRemove as _fleet_v1_ShardRemove, ShardRemove__Output as _fleet_v1_ShardRemove__Output } from './fleet/v1/ShardRemove.js';
import type { ShardRemoveResult as _fleet_v1_ShardRemoveResult, ShardRemoveResult__Output as _fleet_v1_ShardRemoveResult__Output } from './fleet/v1/ShardRemoveResult.js';
import type { ShardSetState as _fleet_v1_ShardSetState, ShardSetState__Output as _fleet_v1_ShardSetState__Output } from './fleet/v1/ShardSetState.js';
import type { ShardSetStateResult as _fleet_v1_ShardSetStateResult, ShardSetStateResult__Output as _fleet_v1_ShardSetStateResult__Output } from './fleet/v1/ShardSetStateResult.js';
import type { ShardUpdate as _fleet_v1_ShardUpdate, ShardUpdate__Output as _fleet_v1_ShardUpdate__Output } from './fleet/v1/ShardUpdate.js';
import type { ShardUpdateResult as _fleet_v1_ShardUpdateResult, ShardUpdateResult__Output as _fleet_v1_ShardUpdateResult__Output } from './fleet/v1/ShardUpdateResult.js';
import type { ShardView as _fleet_v1_ShardView, ShardView__Output as _fleet_v1_ShardView__Output } from './fleet/v1/ShardView.js';
import type { SnapshotData as _fleet_v1_SnapshotData, SnapshotData__Output as _fleet_v1_SnapshotData__Output } from './fleet/v1/SnapshotData.js';
import type { StatusRequest as _fleet_v1_StatusRequest, StatusRequest__Output as _fleet_v1_StatusRequest__Output } from './fleet/v1/StatusRequest.js';
import type { SubmitRequest as _fleet_v1_SubmitRequest, SubmitRequest__Output as _fleet_v1_SubmitRequest__Output } from './fleet/v1/SubmitRequest.js';
import type { SubmitResponse as _fleet_v1_SubmitResponse, SubmitResponse__Output as _fleet_v1_SubmitResponse__Output } from './fleet/v1/SubmitResponse.js';
import type { TakeSnapshotRequest as _fleet_v1_TakeSnapshotRequest, TakeSnapshotRequest__Output as _fleet_v1_TakeSnapshotRequest__Output } from './fleet/v1/TakeSnapshotRequest.js';
import type { TakeSnapshotResponse as _fleet_v1_TakeSnapshotResponse, TakeSnapshotResponse__Output as _fleet_v1_TakeSnapshotResponse__Output } from './fleet/v1/TakeSnapshotResponse.js';
import type { TransferLeaderRequest as _fleet_v1_TransferLeaderRequest, TransferLeaderRequest__Output as _fleet_v1_TransferLeaderRequest__Output } from './fleet/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse as _fleet_v1_TransferLeaderResponse, TransferLeaderResponse__Output as _fleet_v1_TransferLeaderResponse__Output } from './fleet/v1/TransferLeaderResponse.js';
import type { WatchEvent as _fleet_v1_WatchEvent, WatchEvent__Output as _fleet_v1_WatchEvent__Output } from './fleet/v1/WatchEvent.js';
import type { WatchRequest as _fleet_v1_WatchRequest, WatchRequest__Output as _fleet_v1_WatchRequest__Output } from './fleet/v1/WatchRequest.js';
import type { WatchResponse as _fleet_v1_WatchResponse, WatchResponse__Output as _fleet_v1_WatchResponse__Output } from './fleet/v1/WatchResponse.js';
import type { WriteError as _fleet_v1_WriteError, WriteError__Output as _fleet_v1_WriteError__Output } from './fleet/v1/WriteError.js';
import type { WriteRequest as _fleet_v1_WriteRequest, WriteRequest__Output as _fleet_v1_WriteRequest__Output } from './fleet/v1/WriteRequest.js';
import type { WriteResponse as _fleet_v1_WriteResponse, WriteResponse__Output as _fleet_v1_WriteResponse__Output } from './fleet/v1/WriteResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fleet: {
    v1: {
      AddMemberRequest: MessageTypeDefinition<_fleet_v1_AddMemberRequest, _fleet_v1_AddMemberRequest__Output>
      Admin: SubtypeConstructor<typeof grpc.Client, _fleet_v1_AdminClient> & { service: _fleet_v1_AdminDefinition }
      AuditEntry: MessageTypeDefinition<_fleet_v1_AuditEntry, _fleet_v1_AuditEntry__Output>
      AuditResponse: MessageTypeDefinition<_fleet_v1_AuditResponse, _fleet_v1_AuditResponse__Output>
      AutopilotSettings: MessageTypeDefinition<_fleet_v1_AutopilotSettings, _fleet_v1_AutopilotSettings__Output>
      AutopilotSettingsResponse: MessageTypeDefinition<_fleet_v1_AutopilotSettingsResponse, _fleet_v1_AutopilotSettingsResponse__Output>
      AutopilotState: MessageTypeDefinition<_fleet_v1_AutopilotState, _fleet_v1_AutopilotState__Output>
      BackupFailure: MessageTypeDefinition<_fleet_v1_BackupFailure, _fleet_v1_BackupFailure__Output>
      BackupState: MessageTypeDefinition<_fleet_v1_BackupState, _fleet_v1_BackupState__Output>
      BackupTaken: MessageTypeDefinition<_fleet_v1_BackupTaken, _fleet_v1_BackupTaken__Output>
      ClusterContact: MessageTypeDefinition<_fleet_v1_ClusterContact, _fleet_v1_ClusterContact__Output>
      ClusterContactResult: MessageTypeDefinition<_fleet_v1_ClusterContactResult, _fleet_v1_ClusterContactResult__Output>
      ClusterHeartbeat: MessageTypeDefinition<_fleet_v1_ClusterHeartbeat, _fleet_v1_ClusterHeartbeat__Output>
      ClusterHeartbeatResult: MessageTypeDefinition<_fleet_v1_ClusterHeartbeatResult, _fleet_v1_ClusterHeartbeatResult__Output>
      ClusterLookup: MessageTypeDefinition<_fleet_v1_ClusterLookup, _fleet_v1_ClusterLookup__Output>
      ClusterPage: MessageTypeDefinition<_fleet_v1_ClusterPage, _fleet_v1_ClusterPage__Output>
      ClusterPrune: MessageTypeDefinition<_fleet_v1_ClusterPrune, _fleet_v1_ClusterPrune__Output>
      ClusterPruneResult: MessageTypeDefinition<_fleet_v1_ClusterPruneResult, _fleet_v1_ClusterPruneResult__Output>
      ClusterRebind: MessageTypeDefinition<_fleet_v1_ClusterRebind, _fleet_v1_ClusterRebind__Output>
      ClusterRebindBatch: MessageTypeDefinition<_fleet_v1_ClusterRebindBatch, _fleet_v1_ClusterRebindBatch__Output>
      ClusterRebindBatchResult: MessageTypeDefinition<_fleet_v1_ClusterRebindBatchResult, _fleet_v1_ClusterRebindBatchResult__Output>
      ClusterRebindResult: MessageTypeDefinition<_fleet_v1_ClusterRebindResult, _fleet_v1_ClusterRebindResult__Output>
      ClusterUnbind: MessageTypeDefinition<_fleet_v1_ClusterUnbind, _fleet_v1_ClusterUnbind__Output>
      ClusterUnbindResult: MessageTypeDefinition<_fleet_v1_ClusterUnbindResult, _fleet_v1_ClusterUnbindResult__Output>
      ClusterVersion: MessageTypeDefinition<_fleet_v1_ClusterVersion, _fleet_v1_ClusterVersion__Output>
      ClusterView: MessageTypeDefinition<_fleet_v1_ClusterView, _fleet_v1_ClusterView__Output>
      Counts: MessageTypeDefinition<_fleet_v1_Counts, _fleet_v1_Counts__Output>
      DomainAssign: MessageTypeDefinition<_fleet_v1_DomainAssign, _fleet_v1_DomainAssign__Output>
      DomainAssignResult: MessageTypeDefinition<_fleet_v1_DomainAssignResult, _fleet_v1_DomainAssignResult__Output>
      DomainList: MessageTypeDefinition<_fleet_v1_DomainList, _fleet_v1_DomainList__Output>
      DomainUnassign: MessageTypeDefinition<_fleet_v1_DomainUnassign, _fleet_v1_DomainUnassign__Output>
      DomainUnassignResult: MessageTypeDefinition<_fleet_v1_DomainUnassignResult, _fleet_v1_DomainUnassignResult__Output>
      DomainView: MessageTypeDefinition<_fleet_v1_DomainView, _fleet_v1_DomainView__Output>
      DownloadSnapshotRequest: MessageTypeDefinition<_fleet_v1_DownloadSnapshotRequest, _fleet_v1_DownloadSnapshotRequest__Output>
      DrillKind: EnumTypeDefinition
      DrillRequest: MessageTypeDefinition<_fleet_v1_DrillRequest, _fleet_v1_DrillRequest__Output>
      DrillResponse: MessageTypeDefinition<_fleet_v1_DrillResponse, _fleet_v1_DrillResponse__Output>
      Drills: SubtypeConstructor<typeof grpc.Client, _fleet_v1_DrillsClient> & { service: _fleet_v1_DrillsDefinition }
      ErrorDetails: MessageTypeDefinition<_fleet_v1_ErrorDetails, _fleet_v1_ErrorDetails__Output>
      Fleet: SubtypeConstructor<typeof grpc.Client, _fleet_v1_FleetClient> & { service: _fleet_v1_FleetDefinition }
      FleetErrorCode: EnumTypeDefinition
      FollowerProgress: MessageTypeDefinition<_fleet_v1_FollowerProgress, _fleet_v1_FollowerProgress__Output>
      GetAuditRequest: MessageTypeDefinition<_fleet_v1_GetAuditRequest, _fleet_v1_GetAuditRequest__Output>
      GetAutopilotRequest: MessageTypeDefinition<_fleet_v1_GetAutopilotRequest, _fleet_v1_GetAutopilotRequest__Output>
      GetCluster: MessageTypeDefinition<_fleet_v1_GetCluster, _fleet_v1_GetCluster__Output>
      GetShard: MessageTypeDefinition<_fleet_v1_GetShard, _fleet_v1_GetShard__Output>
      KvCas: MessageTypeDefinition<_fleet_v1_KvCas, _fleet_v1_KvCas__Output>
      KvCasResult: MessageTypeDefinition<_fleet_v1_KvCasResult, _fleet_v1_KvCasResult__Output>
      KvDelete: MessageTypeDefinition<_fleet_v1_KvDelete, _fleet_v1_KvDelete__Output>
      KvDeleteResult: MessageTypeDefinition<_fleet_v1_KvDeleteResult, _fleet_v1_KvDeleteResult__Output>
      KvEntry: MessageTypeDefinition<_fleet_v1_KvEntry, _fleet_v1_KvEntry__Output>
      KvGet: MessageTypeDefinition<_fleet_v1_KvGet, _fleet_v1_KvGet__Output>
      KvList: MessageTypeDefinition<_fleet_v1_KvList, _fleet_v1_KvList__Output>
      KvLookup: MessageTypeDefinition<_fleet_v1_KvLookup, _fleet_v1_KvLookup__Output>
      KvMeta: MessageTypeDefinition<_fleet_v1_KvMeta, _fleet_v1_KvMeta__Output>
      KvPage: MessageTypeDefinition<_fleet_v1_KvPage, _fleet_v1_KvPage__Output>
      KvPut: MessageTypeDefinition<_fleet_v1_KvPut, _fleet_v1_KvPut__Output>
      KvPutResult: MessageTypeDefinition<_fleet_v1_KvPutResult, _fleet_v1_KvPutResult__Output>
      LabelSet: MessageTypeDefinition<_fleet_v1_LabelSet, _fleet_v1_LabelSet__Output>
      LeaseAcquire: MessageTypeDefinition<_fleet_v1_LeaseAcquire, _fleet_v1_LeaseAcquire__Output>
      LeaseAcquireResult: MessageTypeDefinition<_fleet_v1_LeaseAcquireResult, _fleet_v1_LeaseAcquireResult__Output>
      LeaseExtension: MessageTypeDefinition<_fleet_v1_LeaseExtension, _fleet_v1_LeaseExtension__Output>
      LeaseList: MessageTypeDefinition<_fleet_v1_LeaseList, _fleet_v1_LeaseList__Output>
      LeaseRelease: MessageTypeDefinition<_fleet_v1_LeaseRelease, _fleet_v1_LeaseRelease__Output>
      LeaseReleaseResult: MessageTypeDefinition<_fleet_v1_LeaseReleaseResult, _fleet_v1_LeaseReleaseResult__Output>
      LeaseRenew: MessageTypeDefinition<_fleet_v1_LeaseRenew, _fleet_v1_LeaseRenew__Output>
      LeaseRenewResult: MessageTypeDefinition<_fleet_v1_LeaseRenewResult, _fleet_v1_LeaseRenewResult__Output>
      LeaseStatus: MessageTypeDefinition<_fleet_v1_LeaseStatus, _fleet_v1_LeaseStatus__Output>
      LeaseView: MessageTypeDefinition<_fleet_v1_LeaseView, _fleet_v1_LeaseView__Output>
      Linearizable: MessageTypeDefinition<_fleet_v1_Linearizable, _fleet_v1_Linearizable__Output>
      ListClusters: MessageTypeDefinition<_fleet_v1_ListClusters, _fleet_v1_ListClusters__Output>
      ListDomains: MessageTypeDefinition<_fleet_v1_ListDomains, _fleet_v1_ListDomains__Output>
      ListLeases: MessageTypeDefinition<_fleet_v1_ListLeases, _fleet_v1_ListLeases__Output>
      ListMembersRequest: MessageTypeDefinition<_fleet_v1_ListMembersRequest, _fleet_v1_ListMembersRequest__Output>
      ListPlans: MessageTypeDefinition<_fleet_v1_ListPlans, _fleet_v1_ListPlans__Output>
      ListProviders: MessageTypeDefinition<_fleet_v1_ListProviders, _fleet_v1_ListProviders__Output>
      ListQuotas: MessageTypeDefinition<_fleet_v1_ListQuotas, _fleet_v1_ListQuotas__Output>
      ListShards: MessageTypeDefinition<_fleet_v1_ListShards, _fleet_v1_ListShards__Output>
      MemberHealth: MessageTypeDefinition<_fleet_v1_MemberHealth, _fleet_v1_MemberHealth__Output>
      MemberInfo: MessageTypeDefinition<_fleet_v1_MemberInfo, _fleet_v1_MemberInfo__Output>
      MemberRole: EnumTypeDefinition
      MemberStatus: MessageTypeDefinition<_fleet_v1_MemberStatus, _fleet_v1_MemberStatus__Output>
      MembersResponse: MessageTypeDefinition<_fleet_v1_MembersResponse, _fleet_v1_MembersResponse__Output>
      PeerDelay: MessageTypeDefinition<_fleet_v1_PeerDelay, _fleet_v1_PeerDelay__Output>
      PeerRefusal: MessageTypeDefinition<_fleet_v1_PeerRefusal, _fleet_v1_PeerRefusal__Output>
      PlanList: MessageTypeDefinition<_fleet_v1_PlanList, _fleet_v1_PlanList__Output>
      PlanProgress: MessageTypeDefinition<_fleet_v1_PlanProgress, _fleet_v1_PlanProgress__Output>
      PlanProgressResult: MessageTypeDefinition<_fleet_v1_PlanProgressResult, _fleet_v1_PlanProgressResult__Output>
      PlanState: EnumTypeDefinition
      PlanView: MessageTypeDefinition<_fleet_v1_PlanView, _fleet_v1_PlanView__Output>
      ProgressState: EnumTypeDefinition
      PromoteMemberRequest: MessageTypeDefinition<_fleet_v1_PromoteMemberRequest, _fleet_v1_PromoteMemberRequest__Output>
      ProviderAdd: MessageTypeDefinition<_fleet_v1_ProviderAdd, _fleet_v1_ProviderAdd__Output>
      ProviderAddResult: MessageTypeDefinition<_fleet_v1_ProviderAddResult, _fleet_v1_ProviderAddResult__Output>
      ProviderList: MessageTypeDefinition<_fleet_v1_ProviderList, _fleet_v1_ProviderList__Output>
      ProviderRemove: MessageTypeDefinition<_fleet_v1_ProviderRemove, _fleet_v1_ProviderRemove__Output>
      ProviderRemoveResult: MessageTypeDefinition<_fleet_v1_ProviderRemoveResult, _fleet_v1_ProviderRemoveResult__Output>
      ProviderView: MessageTypeDefinition<_fleet_v1_ProviderView, _fleet_v1_ProviderView__Output>
      QuotaList: MessageTypeDefinition<_fleet_v1_QuotaList, _fleet_v1_QuotaList__Output>
      QuotaRemove: MessageTypeDefinition<_fleet_v1_QuotaRemove, _fleet_v1_QuotaRemove__Output>
      QuotaRemoveResult: MessageTypeDefinition<_fleet_v1_QuotaRemoveResult, _fleet_v1_QuotaRemoveResult__Output>
      QuotaSet: MessageTypeDefinition<_fleet_v1_QuotaSet, _fleet_v1_QuotaSet__Output>
      QuotaSetResult: MessageTypeDefinition<_fleet_v1_QuotaSetResult, _fleet_v1_QuotaSetResult__Output>
      QuotaView: MessageTypeDefinition<_fleet_v1_QuotaView, _fleet_v1_QuotaView__Output>
      ReadRequest: MessageTypeDefinition<_fleet_v1_ReadRequest, _fleet_v1_ReadRequest__Output>
      ReadResponse: MessageTypeDefinition<_fleet_v1_ReadResponse, _fleet_v1_ReadResponse__Output>
      RebindMove: MessageTypeDefinition<_fleet_v1_RebindMove, _fleet_v1_RebindMove__Output>
      RecordAuditRequest: MessageTypeDefinition<_fleet_v1_RecordAuditRequest, _fleet_v1_RecordAuditRequest__Output>
      RecordAuditResponse: MessageTypeDefinition<_fleet_v1_RecordAuditResponse, _fleet_v1_RecordAuditResponse__Output>
      RecordDrillRequest: MessageTypeDefinition<_fleet_v1_RecordDrillRequest, _fleet_v1_RecordDrillRequest__Output>
      RecordDrillResponse: MessageTypeDefinition<_fleet_v1_RecordDrillResponse, _fleet_v1_RecordDrillResponse__Output>
      RegistryCounts: MessageTypeDefinition<_fleet_v1_RegistryCounts, _fleet_v1_RegistryCounts__Output>
      RemoveMemberRequest: MessageTypeDefinition<_fleet_v1_RemoveMemberRequest, _fleet_v1_RemoveMemberRequest__Output>
      RepairState: MessageTypeDefinition<_fleet_v1_RepairState, _fleet_v1_RepairState__Output>
      RequestError: MessageTypeDefinition<_fleet_v1_RequestError, _fleet_v1_RequestError__Output>
      SessionRequest: MessageTypeDefinition<_fleet_v1_SessionRequest, _fleet_v1_SessionRequest__Output>
      SessionRequests: MessageTypeDefinition<_fleet_v1_SessionRequests, _fleet_v1_SessionRequests__Output>
      SessionResponse: MessageTypeDefinition<_fleet_v1_SessionResponse, _fleet_v1_SessionResponse__Output>
      SessionResponses: MessageTypeDefinition<_fleet_v1_SessionResponses, _fleet_v1_SessionResponses__Output>
      SetAutopilotRequest: MessageTypeDefinition<_fleet_v1_SetAutopilotRequest, _fleet_v1_SetAutopilotRequest__Output>
      ShardHeartbeat: MessageTypeDefinition<_fleet_v1_ShardHeartbeat, _fleet_v1_ShardHeartbeat__Output>
      ShardHeartbeatResult: MessageTypeDefinition<_fleet_v1_ShardHeartbeatResult, _fleet_v1_ShardHeartbeatResult__Output>
      ShardList: MessageTypeDefinition<_fleet_v1_ShardList, _fleet_v1_ShardList__Output>
      ShardLookup: MessageTypeDefinition<_fleet_v1_ShardLookup, _fleet_v1_ShardLookup__Output>
      ShardRegister: MessageTypeDefinition<_fleet_v1_ShardRegister, _fleet_v1_ShardRegister__Output>
      ShardRegisterResult: MessageTypeDefinition<_fleet_v1_ShardRegisterResult, _fleet_v1_ShardRegisterResult__Output>
      ShardRemove: MessageTypeDefinition<_fleet_v1_ShardRemove, _fleet_v1_ShardRemove__Output>
      ShardRemoveResult: MessageTypeDefinition<_fleet_v1_ShardRemoveResult, _fleet_v1_ShardRemoveResult__Output>
      ShardSetState: MessageTypeDefinition<_fleet_v1_ShardSetState, _fleet_v1_ShardSetState__Output>
      ShardSetStateResult: MessageTypeDefinition<_fleet_v1_ShardSetStateResult, _fleet_v1_ShardSetStateResult__Output>
      ShardState: EnumTypeDefinition
      ShardUpdate: MessageTypeDefinition<_fleet_v1_ShardUpdate, _fleet_v1_ShardUpdate__Output>
      ShardUpdateResult: MessageTypeDefinition<_fleet_v1_ShardUpdateResult, _fleet_v1_ShardUpdateResult__Output>
      ShardView: MessageTypeDefinition<_fleet_v1_ShardView, _fleet_v1_ShardView__Output>
      SnapshotData: MessageTypeDefinition<_fleet_v1_SnapshotData, _fleet_v1_SnapshotData__Output>
      StatusRequest: MessageTypeDefinition<_fleet_v1_StatusRequest, _fleet_v1_StatusRequest__Output>
      SubmitRequest: MessageTypeDefinition<_fleet_v1_SubmitRequest, _fleet_v1_SubmitRequest__Output>
      SubmitResponse: MessageTypeDefinition<_fleet_v1_SubmitResponse, _fleet_v1_SubmitResponse__Output>
      TakeSnapshotRequest: MessageTypeDefinition<_fleet_v1_TakeSnapshotRequest, _fleet_v1_TakeSnapshotRequest__Output>
      TakeSnapshotResponse: MessageTypeDefinition<_fleet_v1_TakeSnapshotResponse, _fleet_v1_TakeSnapshotResponse__Output>
      TransferLeaderRequest: MessageTypeDefinition<_fleet_v1_TransferLeaderRequest, _fleet_v1_TransferLeaderRequest__Output>
      TransferLeaderResponse: MessageTypeDefinition<_fleet_v1_TransferLeaderResponse, _fleet_v1_TransferLeaderResponse__Output>
      WatchEvent: MessageTypeDefinition<_fleet_v1_WatchEvent, _fleet_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_fleet_v1_WatchRequest, _fleet_v1_WatchRequest__Output>
      WatchResponse: MessageTypeDefinition<_fleet_v1_WatchResponse, _fleet_v1_WatchResponse__Output>
      WriteError: MessageTypeDefinition<_fleet_v1_WriteError, _fleet_v1_WriteError__Output>
      WriteRequest: MessageTypeDefinition<_fleet_v1_WriteRequest, _fleet_v1_WriteRequest__Output>
      WriteResponse: MessageTypeDefinition<_fleet_v1_WriteResponse, _fleet_v1_WriteResponse__Output>
    }
  }
}

