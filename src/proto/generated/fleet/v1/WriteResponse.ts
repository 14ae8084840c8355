// Original file: proto/fleet/v1/client.proto

import type { ShardRegisterResult as _fleet_v1_ShardRegisterResult, ShardRegisterResult__Output as _fleet_v1_ShardRegisterResult__Output } from '../../fleet/v1/ShardRegisterResult.js';
import type { ShardUpdateResult as _fleet_v1_ShardUpdateResult, ShardUpdateResult__Output as _fleet_v1_ShardUpdateResult__Output } from '../../fleet/v1/ShardUpdateResult.js';
import type { ShardSetStateResult as _fleet_v1_ShardSetStateResult, ShardSetStateResult__Output as _fleet_v1_ShardSetStateResult__Output } from '../../fleet/v1/ShardSetStateResult.js';
import type { ShardRemoveResult as _fleet_v1_ShardRemoveResult, ShardRemoveResult__Output as _fleet_v1_ShardRemoveResult__Output } from '../../fleet/v1/ShardRemoveResult.js';
import type { ShardHeartbeatResult as _fleet_v1_ShardHeartbeatResult, ShardHeartbeatResult__Output as _fleet_v1_ShardHeartbeatResult__Output } from '../../fleet/v1/ShardHeartbeatResult.js';
import type { ClusterContactResult as _fleet_v1_ClusterContactResult, ClusterContactResult__Output as _fleet_v1_ClusterContactResult__Output } from '../../fleet/v1/ClusterContactResult.js';
import type { ClusterRebindResult as _fleet_v1_ClusterRebindResult, ClusterRebindResult__Output as _fleet_v1_ClusterRebindResult__Output } from '../../fleet/v1/ClusterRebindResult.js';
import type { ClusterRebindBatchResult as _fleet_v1_ClusterRebindBatchResult, ClusterRebindBatchResult__Output as _fleet_v1_ClusterRebindBatchResult__Output } from '../../fleet/v1/ClusterRebindBatchResult.js';
import type { ClusterUnbindResult as _fleet_v1_ClusterUnbindResult, ClusterUnbindResult__Output as _fleet_v1_ClusterUnbindResult__Output } from '../../fleet/v1/ClusterUnbindResult.js';
import type { ClusterHeartbeatResult as _fleet_v1_ClusterHeartbeatResult, ClusterHeartbeatResult__Output as _fleet_v1_ClusterHeartbeatResult__Output } from '../../fleet/v1/ClusterHeartbeatResult.js';
import type { ClusterPruneResult as _fleet_v1_ClusterPruneResult, ClusterPruneResult__Output as _fleet_v1_ClusterPruneResult__Output } from '../../fleet/v1/ClusterPruneResult.js';
import type { DomainAssignResult as _fleet_v1_DomainAssignResult, DomainAssignResult__Output as _fleet_v1_DomainAssignResult__Output } from '../../fleet/v1/DomainAssignResult.js';
import type { DomainUnassignResult as _fleet_v1_DomainUnassignResult, DomainUnassignResult__Output as _fleet_v1_DomainUnassignResult__Output } from '../../fleet/v1/DomainUnassignResult.js';
import type { QuotaSetResult as _fleet_v1_QuotaSetResult, QuotaSetResult__Output as _fleet_v1_QuotaSetResult__Output } from '../../fleet/v1/QuotaSetResult.js';
import type { QuotaRemoveResult as _fleet_v1_QuotaRemoveResult, QuotaRemoveResult__Output as _fleet_v1_QuotaRemoveResult__Output } from '../../fleet/v1/QuotaRemoveResult.js';
import type { ProviderAddResult as _fleet_v1_ProviderAddResult, ProviderAddResult__Output as _fleet_v1_ProviderAddResult__Output } from '../../fleet/v1/ProviderAddResult.js';
import type { ProviderRemoveResult as _fleet_v1_ProviderRemoveResult, ProviderRemoveResult__Output as _fleet_v1_ProviderRemoveResult__Output } from '../../fleet/v1/ProviderRemoveResult.js';
import type { LeaseAcquireResult as _fleet_v1_LeaseAcquireResult, LeaseAcquireResult__Output as _fleet_v1_LeaseAcquireResult__Output } from '../../fleet/v1/LeaseAcquireResult.js';
import type { LeaseRenewResult as _fleet_v1_LeaseRenewResult, LeaseRenewResult__Output as _fleet_v1_LeaseRenewResult__Output } from '../../fleet/v1/LeaseRenewResult.js';
import type { LeaseReleaseResult as _fleet_v1_LeaseReleaseResult, LeaseReleaseResult__Output as _fleet_v1_LeaseReleaseResult__Output } from '../../fleet/v1/LeaseReleaseResult.js';
import type { KvPutResult as _fleet_v1_KvPutResult, KvPutResult__Output as _fleet_v1_KvPutResult__Output } from '../../fleet/v1/KvPutResult.js';
import type { KvDeleteResult as _fleet_v1_KvDeleteResult, KvDeleteResult__Output as _fleet_v1_KvDeleteResult__Output } from '../../fleet/v1/KvDeleteResult.js';
import type { KvCasResult as _fleet_v1_KvCasResult, KvCasResult__Output as _fleet_v1_KvCasResult__Output } from '../../fleet/v1/KvCasResult.js';
import type { PlanProgressResult as _fleet_v1_PlanProgressResult, PlanProgressResult__Output as _fleet_v1_PlanProgressResult__Output } from '../../fleet/v1/PlanProgressResult.js';
import type { WriteError as _fleet_v1_WriteError, WriteError__Output as _fleet_v1_WriteError__Output } from '../../fleet/v1/WriteError.js';
import type { Long } from '@grpc/proto-loader';

export interface WriteResponse {
  'index'?: (number | string | Long);
  'shardRegister'?: (_fleet_v1_ShardRegisterResult | null);
  'shardUpdate'?: (_fleet_v1_ShardUpdateResult | null);
  'shardSetState'?: (_fleet_v1_ShardSetStateResult | null);
  'shardRemove'?: (_fleet_v1_ShardRemoveResult | null);
  'shardHeartbeat'?: (_fleet_v1_ShardHeartbeatResult | null);
  'clusterContact'?: (_fleet_v1_ClusterContactResult | null);
  'clusterRebind'?: (_fleet_v1_ClusterRebindResult | null);
  'clusterRebindBatch'?: (_fleet_v1_ClusterRebindBatchResult | null);
  'clusterUnbind'?: (_fleet_v1_ClusterUnbindResult | null);
  'clusterHeartbeat'?: (_fleet_v1_ClusterHeartbeatResult | null);
  'clusterPrune'?: (_fleet_v1_ClusterPruneResult | null);
  'domainAssign'?: (_fleet_v1_DomainAssignResult | null);
  'domainUnassign'?: (_fleet_v1_DomainUnassignResult | null);
  'quotaSet'?: (_fleet_v1_QuotaSetResult | null);
  'quotaRemove'?: (_fleet_v1_QuotaRemoveResult | null);
  'providerAdd'?: (_fleet_v1_ProviderAddResult | null);
  'providerRemove'?: (_fleet_v1_ProviderRemoveResult | null);
  'leaseAcquire'?: (_fleet_v1_LeaseAcquireResult | null);
  'leaseRenew'?: (_fleet_v1_LeaseRenewResult | null);
  'leaseRelease'?: (_fleet_v1_LeaseReleaseResult | null);
  'kvPut'?: (_fleet_v1_KvPutResult | null);
  'kvDelete'?: (_fleet_v1_KvDeleteResult | null);
  'kvCas'?: (_fleet_v1_KvCasResult | null);
  'planProgress'?: (_fleet_v1_PlanProgressResult | null);
  'error'?: (_fleet_v1_WriteError | null);
  'result'?: "shardRegister"|"shardUpdate"|"shardSetState"|"shardRemove"|"shardHeartbeat"|"clusterContact"|"clusterRebind"|"clusterRebindBatch"|"clusterUnbind"|"clusterHeartbeat"|"clusterPrune"|"domainAssign"|"domainUnassign"|"quotaSet"|"quotaRemove"|"providerAdd"|"providerRemove"|"leaseAcquire"|"leaseRenew"|"leaseRelease"|"kvPut"|"kvDelete"|"kvCas"|"planProgress"|"error";
}

export interface WriteResponse__Output {
  'index': (number);
  'shardRegister'?: (_fleet_v1_ShardRegisterResult__Output | null);
  'shardUpdate'?: (_fleet_v1_ShardUpdateResult__Output | null);
  'shardSetState'?: (_fleet_v1_ShardSetStateResult__Output | null);
  'shardRemove'?: (_fleet_v1_ShardRemoveResult__Output | null);
  'shardHeartbeat'?: (_fleet_v1_ShardHeartbeatResult__Output | null);
  'clusterContact'?: (_fleet_v1_ClusterContactResult__Output | null);
  'clusterRebind'?: (_fleet_v1_ClusterRebindResult__Output | null);
  'clusterRebindBatch'?: (_fleet_v1_ClusterRebindBatchResult__Output | null);
  'clusterUnbind'?: (_fleet_v1_ClusterUnbindResult__Output | null);
  'clusterHeartbeat'?: (_fleet_v1_ClusterHeartbeatResult__Output | null);
  'clusterPrune'?: (_fleet_v1_ClusterPruneResult__Output | null);
  'domainAssign'?: (_fleet_v1_DomainAssignResult__Output | null);
  'domainUnassign'?: (_fleet_v1_DomainUnassignResult__Output | null);
  'quotaSet'?: (_fleet_v1_QuotaSetResult__Output | null);
  'quotaRemove'?: (_fleet_v1_QuotaRemoveResult__Output | null);
  'providerAdd'?: (_fleet_v1_ProviderAddResult__Output | null);
  'providerRemove'?: (_fleet_v1_ProviderRemoveResult__Output | null);
  'leaseAcquire'?: (_fleet_v1_LeaseAcquireResult__Output | null);
  'leaseRenew'?: (_fleet_v1_LeaseRenewResult__Output | null);
  'leaseRelease'?: (_fleet_v1_LeaseReleaseResult__Output | null);
  'kvPut'?: (_fleet_v1_KvPutResult__Output | null);
  'kvDelete'?: (_fleet_v1_KvDeleteResult__Output | null);
  'kvCas'?: (_fleet_v1_KvCasResult__Output | null);
  'planProgress'?: (_fleet_v1_PlanProgressResult__Output | null);
  'error'?: (_fleet_v1_WriteError__Output | null);
  'result'?: "shardRegister"|"shardUpdate"|"shardSetState"|"shardRemove"|"shardHeartbeat"|"clusterContact"|"clusterRebind"|"clusterRebindBatch"|"clusterUnbind"|"clusterHeartbeat"|"clusterPrune"|"domainAssign"|"domainUnassign"|"quotaSet"|"quotaRemove"|"providerAdd"|"providerRemove"|"leaseAcquire"|"leaseRenew"|"leaseRelease"|"kvPut"|"kvDelete"|"kvCas"|"planProgress"|"error";
}
