// Original file: proto/fleet/v1/client.proto

import type { ShardLookup as _fleet_v1_ShardLookup, ShardLookup__Output as _fleet_v1_ShardLookup__Output } from '../../fleet/v1/ShardLookup.js';
import type { ShardList as _fleet_v1_ShardList, ShardList__Output as _fleet_v1_ShardList__Output } from '../../fleet/v1/ShardList.js';
import type { ClusterLookup as _fleet_v1_ClusterLookup, ClusterLookup__Output as _fleet_v1_ClusterLookup__Output } from '../../fleet/v1/ClusterLookup.js';
import type { ClusterPage as _fleet_v1_ClusterPage, ClusterPage__Output as _fleet_v1_ClusterPage__Output } from '../../fleet/v1/ClusterPage.js';
import type { RegistryCounts as _fleet_v1_RegistryCounts, RegistryCounts__Output as _fleet_v1_RegistryCounts__Output } from '../../fleet/v1/RegistryCounts.js';
import type { DomainList as _fleet_v1_DomainList, DomainList__Output as _fleet_v1_DomainList__Output } from '../../fleet/v1/DomainList.js';
import type { QuotaList as _fleet_v1_QuotaList, QuotaList__Output as _fleet_v1_QuotaList__Output } from '../../fleet/v1/QuotaList.js';
import type { ProviderList as _fleet_v1_ProviderList, ProviderList__Output as _fleet_v1_ProviderList__Output } from '../../fleet/v1/ProviderList.js';
import type { LeaseList as _fleet_v1_LeaseList, LeaseList__Output as _fleet_v1_LeaseList__Output } from '../../fleet/v1/LeaseList.js';
import type { KvLookup as _fleet_v1_KvLookup, KvLookup__Output as _fleet_v1_KvLookup__Output } from '../../fleet/v1/KvLookup.js';
import type { KvPage as _fleet_v1_KvPage, KvPage__Output as _fleet_v1_KvPage__Output } from '../../fleet/v1/KvPage.js';
import type { PlanList as _fleet_v1_PlanList, PlanList__Output as _fleet_v1_PlanList__Output } from '../../fleet/v1/PlanList.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadResponse {
  'index'?: (number | string | Long);
  'servedBy'?: (string);
  'getShard'?: (_fleet_v1_ShardLookup | null);
  'listShards'?: (_fleet_v1_ShardList | null);
  'getCluster'?: (_fleet_v1_ClusterLookup | null);
  'listClusters'?: (_fleet_v1_ClusterPage | null);
  'counts'?: (_fleet_v1_RegistryCounts | null);
  'listDomains'?: (_fleet_v1_DomainList | null);
  'listQuotas'?: (_fleet_v1_QuotaList | null);
  'listProviders'?: (_fleet_v1_ProviderList | null);
  'listLeases'?: (_fleet_v1_LeaseList | null);
  'kvGet'?: (_fleet_v1_KvLookup | null);
  'kvList'?: (_fleet_v1_KvPage | null);
  'listPlans'?: (_fleet_v1_PlanList | null);
  'result'?: "getShard"|"listShards"|"getCluster"|"listClusters"|"counts"|"listDomains"|"listQuotas"|"listProviders"|"listLeases"|"kvGet"|"kvList"|"listPlans";
}

export interface ReadResponse__Output {
  'index': (number);
  'servedBy': (string);
  'getShard'?: (_fleet_v1_ShardLookup__Output | null);
  'listShards'?: (_fleet_v1_ShardList__Output | null);
  'getCluster'?: (_fleet_v1_ClusterLookup__Output | null);
  'listClusters'?: (_fleet_v1_ClusterPage__Output | null);
  'counts'?: (_fleet_v1_RegistryCounts__Output | null);
  'listDomains'?: (_fleet_v1_DomainList__Output | null);
  'listQuotas'?: (_fleet_v1_QuotaList__Output | null);
  'listProviders'?: (_fleet_v1_ProviderList__Output | null);
  'listLeases'?: (_fleet_v1_LeaseList__Output | null);
  'kvGet'?: (_fleet_v1_KvLookup__Output | null);
  'kvList'?: (_fleet_v1_KvPage__Output | null);
  'listPlans'?: (_fleet_v1_PlanList__Output | null);
  'result'?: "getShard"|"listShards"|"getCluster"|"listClusters"|"counts"|"listDomains"|"listQuotas"|"listProviders"|"listLeases"|"kvGet"|"kvList"|"listPlans";
}
