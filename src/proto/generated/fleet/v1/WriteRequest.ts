// Original file: proto/fleet/v1/client.proto

import type { ShardRegister as _fleet_v1_ShardRegister, ShardRegister__Output as _fleet_v1_ShardRegister__Output } from '../../fleet/v1/ShardRegister.js';
import type { ShardUpdate as _fleet_v1_ShardUpdate, ShardUpdate__Output as _fleet_v1_ShardUpdate__Output } from '../../fleet/v1/ShardUpdate.js';
import type { ShardSetState as _fleet_v1_ShardSetState, ShardSetState__Output as _fleet_v1_ShardSetState__Output } from '../../fleet/v1/ShardSetState.js';
import type { ShardRemove as _fleet_v1_ShardRemove, ShardRemove__Output as _fleet_v1_ShardRemove__Output } from '../../fleet/v1/ShardRemove.js';
import type { ShardHeartbeat as _fleet_v1_ShardHeartbeat, ShardHeartbeat__Output as _fleet_v1_ShardHeartbeat__Output } from '../../fleet/v1/ShardHeartbeat.js';
import type { ClusterContact as _fleet_v1_ClusterContact, ClusterContact__Output as _fleet_v1_ClusterContact__Output } from '../../fleet/v1/ClusterContact.js';
import type { ClusterRebind as _fleet_v1_ClusterRebind, ClusterRebind__Output as _fleet_v1_ClusterRebind__Output } from '../../fleet/v1/ClusterRebind.js';
import type { ClusterRebindBatch as _fleet_v1_ClusterRebindBatch, ClusterRebindBatch__Output as _fleet_v1_ClusterRebindBatch__Output } from '../../fleet/v1/ClusterRebindBatch.js';
import type { ClusterUnbind as _fleet_v1_ClusterUnbind, ClusterUnbind__Output as _fleet_v1_ClusterUnbind__Output } from '../../fleet/v1/ClusterUnbind.js';
import type { ClusterHeartbeat as _fleet_v1_ClusterHeartbeat, ClusterHeartbeat__Output as _fleet_v1_ClusterHeartbeat__Output } from '../../fleet/v1/ClusterHeartbeat.js';
import type { ClusterPrune as _fleet_v1_ClusterPrune, ClusterPrune__Output as _fleet_v1_ClusterPrune__Output } from '../../fleet/v1/ClusterPrune.js';
import type { DomainAssign as _fleet_v1_DomainAssign, DomainAssign__Output as _fleet_v1_DomainAssign__Output } from '../../fleet/v1/DomainAssign.js';
import type { DomainUnassign as _fleet_v1_DomainUnassign, DomainUnassign__Output as _fleet_v1_DomainUnassign__Output } from '../../fleet/v1/DomainUnassign.js';
import type { QuotaSet as _fleet_v1_QuotaSet, QuotaSet__Output as _fleet_v1_QuotaSet__Output } from '../../fleet/v1/QuotaSet.js';
import type { QuotaRemove as _fleet_v1_QuotaRemove, QuotaRemove__Output as _fleet_v1_QuotaRemove__Output } from '../../fleet/v1/QuotaRemove.js';
import type { ProviderAdd as _fleet_v1_ProviderAdd, ProviderAdd__Output as _fleet_v1_ProviderAdd__Output } from '../../fleet/v1/ProviderAdd.js';
import type { ProviderRemove as _fleet_v1_ProviderRemove, ProviderRemove__Output as _fleet_v1_ProviderRemove__Output } from '../../fleet/v1/ProviderRemove.js';
import type { LeaseAcquire as _fleet_v1_LeaseAcquire, LeaseAcquire__Output as _fleet_v1_LeaseAcquire__Output } from '../../fleet/v1/LeaseAcquire.js';
import type { LeaseRenew as _fleet_v1_LeaseRenew, LeaseRenew__Output as _fleet_v1_LeaseRenew__Output } from '../../fleet/v1/LeaseRenew.js';
import type { LeaseRelease as _fleet_v1_LeaseRelease, LeaseRelease__Output as _fleet_v1_LeaseRelease__Output } from '../../fleet/v1/LeaseRelease.js';
import type { KvPut as _fleet_v1_KvPut, KvPut__Output as _fleet_v1_KvPut__Output } from '../../fleet/v1/KvPut.js';
import type { KvDelete as _fleet_v1_KvDelete, KvDelete__Output as _fleet_v1_KvDelete__Output } from '../../fleet/v1/KvDelete.js';
import type { KvCas as _fleet_v1_KvCas, KvCas__Output as _fleet_v1_KvCas__Output } from '../../fleet/v1/KvCas.js';
import type { PlanProgress as _fleet_v1_PlanProgress, PlanProgress__Output as _fleet_v1_PlanProgress__Output } from '../../fleet/v1/PlanProgress.js';
import type { Long } from '@grpc/proto-loader';

export interface WriteRequest {
  'clientId'?: (string);
  'seq'?: (number | string | Long);
  'firstIncomplete'?: (number | string | Long);
  'shardRegister'?: (_fleet_v1_ShardRegister | null);
  'shardUpdate'?: (_fleet_v1_ShardUpdate | null);
  'shardSetState'?: (_fleet_v1_ShardSetState | null);
  'shardRemove'?: (_fleet_v1_ShardRemove | null);
  'shardHeartbeat'?: (_fleet_v1_ShardHeartbeat | null);
  'clusterContact'?: (_fleet_v1_ClusterContact | null);
  'clusterRebind'?: (_fleet_v1_ClusterRebind | null);
  'clusterRebindBatch'?: (_fleet_v1_ClusterRebindBatch | null);
  'clusterUnbind'?: (_fleet_v1_ClusterUnbind | null);
  'clusterHeartbeat'?: (_fleet_v1_ClusterHeartbeat | null);
  'clusterPrune'?: (_fleet_v1_ClusterPrune | null);
  'domainAssign'?: (_fleet_v1_DomainAssign | null);
  'domainUnassign'?: (_fleet_v1_DomainUnassign | null);
  'quotaSet'?: (_fleet_v1_QuotaSet | null);
  'quotaRemove'?: (_fleet_v1_QuotaRemove | null);
  'providerAdd'?: (_fleet_v1_ProviderAdd | null);
  'providerRemove'?: (_fleet_v1_ProviderRemove | null);
  'leaseAcquire'?: (_fleet_v1_LeaseAcquire | null);
  'leaseRenew'?: (_fleet_v1_LeaseRenew | null);
  'leaseRelease'?: (_fleet_v1_LeaseRelease | null);
  'kvPut'?: (_fleet_v1_KvPut | null);
  'kvDelete'?: (_fleet_v1_KvDelete | null);
  'kvCas'?: (_fleet_v1_KvCas | null);
  'planProgress'?: (_fleet_v1_PlanProgress | null);
  'command'?: "shardRegister"|"shardUpdate"|"shardSetState"|"shardRemove"|"shardHeartbeat"|"clusterContact"|"clusterRebind"|"clusterRebindBatch"|"clusterUnbind"|"clusterHeartbeat"|"clusterPrune"|"domainAssign"|"domainUnassign"|"quotaSet"|"quotaRemove"|"providerAdd"|"providerRemove"|"leaseAcquire"|"leaseRenew"|"leaseRelease"|"kvPut"|"kvDelete"|"kvCas"|"planProgress";
}

export interface WriteRequest__Output {
  'clientId': (string);
  'seq': (number);
  'firstIncomplete': (number);
  'shardRegister'?: (_fleet_v1_ShardRegister__Output | null);
  'shardUpdate'?: (_fleet_v1_ShardUpdate__Output | null);
  'shardSetState'?: (_fleet_v1_ShardSetState__Output | null);
  'shardRemove'?: (_fleet_v1_ShardRemove__Output | null);
  'shardHeartbeat'?: (_fleet_v1_ShardHeartbeat__Output | null);
  'clusterContact'?: (_fleet_v1_ClusterContact__Output | null);
  'clusterRebind'?: (_fleet_v1_ClusterRebind__Output | null);
  'clusterRebindBatch'?: (_fleet_v1_ClusterRebindBatch__Output | null);
  'clusterUnbind'?: (_fleet_v1_ClusterUnbind__Output | null);
  'clusterHeartbeat'?: (_fleet_v1_ClusterHeartbeat__Output | null);
  'clusterPrune'?: (_fleet_v1_ClusterPrune__Output | null);
  'domainAssign'?: (_fleet_v1_DomainAssign__Output | null);
  'domainUnassign'?: (_fleet_v1_DomainUnassign__Output | null);
  'quotaSet'?: (_fleet_v1_QuotaSet__Output | null);
  'quotaRemove'?: (_fleet_v1_QuotaRemove__Output | null);
  'providerAdd'?: (_fleet_v1_ProviderAdd__Output | null);
  'providerRemove'?: (_fleet_v1_ProviderRemove__Output | null);
  'leaseAcquire'?: (_fleet_v1_LeaseAcquire__Output | null);
  'leaseRenew'?: (_fleet_v1_LeaseRenew__Output | null);
  'leaseRelease'?: (_fleet_v1_LeaseRelease__Output | null);
  'kvPut'?: (_fleet_v1_KvPut__Output | null);
  'kvDelete'?: (_fleet_v1_KvDelete__Output | null);
  'kvCas'?: (_fleet_v1_KvCas__Output | null);
  'planProgress'?: (_fleet_v1_PlanProgress__Output | null);
  'command'?: "shardRegister"|"shardUpdate"|"shardSetState"|"shardRemove"|"shardHeartbeat"|"clusterContact"|"clusterRebind"|"clusterRebindBatch"|"clusterUnbind"|"clusterHeartbeat"|"clusterPrune"|"domainAssign"|"domainUnassign"|"quotaSet"|"quotaRemove"|"providerAdd"|"providerRemove"|"leaseAcquire"|"leaseRenew"|"leaseRelease"|"kvPut"|"kvDelete"|"kvCas"|"planProgress";
}
