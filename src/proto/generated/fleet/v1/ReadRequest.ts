// Original file: proto/fleet/v1/client.proto

import type { Linearizable as _fleet_v1_Linearizable, Linearizable__Output as _fleet_v1_Linearizable__Output } from '../../fleet/v1/Linearizable.js';
import type { GetShard as _fleet_v1_GetShard, GetShard__Output as _fleet_v1_GetShard__Output } from '../../fleet/v1/GetShard.js';
import type { ListShards as _fleet_v1_ListShards, ListShards__Output as _fleet_v1_ListShards__Output } from '../../fleet/v1/ListShards.js';
import type { GetCluster as _fleet_v1_GetCluster, GetCluster__Output as _fleet_v1_GetCluster__Output } from '../../fleet/v1/GetCluster.js';
import type { ListClusters as _fleet_v1_ListClusters, ListClusters__Output as _fleet_v1_ListClusters__Output } from '../../fleet/v1/ListClusters.js';
import type { Counts as _fleet_v1_Counts, Counts__Output as _fleet_v1_Counts__Output } from '../../fleet/v1/Counts.js';
import type { ListDomains as _fleet_v1_ListDomains, ListDomains__Output as _fleet_v1_ListDomains__Output } from '../../fleet/v1/ListDomains.js';
import type { ListQuotas as _fleet_v1_ListQuotas, ListQuotas__Output as _fleet_v1_ListQuotas__Output } from '../../fleet/v1/ListQuotas.js';
import type { ListProviders as _fleet_v1_ListProviders, ListProviders__Output as _fleet_v1_ListProviders__Output } from '../../fleet/v1/ListProviders.js';
import type { ListLeases as _fleet_v1_ListLeases, ListLeases__Output as _fleet_v1_ListLeases__Output } from '../../fleet/v1/ListLeases.js';
import type { KvGet as _fleet_v1_KvGet, KvGet__Output as _fleet_v1_KvGet__Output } from '../../fleet/v1/KvGet.js';
import type { KvList as _fleet_v1_KvList, KvList__Output as _fleet_v1_KvList__Output } from '../../fleet/v1/KvList.js';
import type { ListPlans as _fleet_v1_ListPlans, ListPlans__Output as _fleet_v1_ListPlans__Output } from '../../fleet/v1/ListPlans.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadRequest {
  'linearizable'?: (_fleet_v1_Linearizable | null);
  'minIndex'?: (number | string | Long);
  'maxStalenessMs'?: (number | string | Long);
  'getShard'?: (_fleet_v1_GetShard | null);
  'listShards'?: (_fleet_v1_ListShards | null);
  'getCluster'?: (_fleet_v1_GetCluster | null);
  'listClusters'?: (_fleet_v1_ListClusters | null);
  'counts'?: (_fleet_v1_Counts | null);
  'listDomains'?: (_fleet_v1_ListDomains | null);
  'listQuotas'?: (_fleet_v1_ListQuotas | null);
  'listProviders'?: (_fleet_v1_ListProviders | null);
  'listLeases'?: (_fleet_v1_ListLeases | null);
  'kvGet'?: (_fleet_v1_KvGet | null);
  'kvList'?: (_fleet_v1_KvList | null);
  'listPlans'?: (_fleet_v1_ListPlans | null);
  'consistency'?: "linearizable"|"minIndex"|"maxStalenessMs";
  'query'?: "getShard"|"listShards"|"getCluster"|"listClusters"|"counts"|"listDomains"|"listQuotas"|"listProviders"|"listLeases"|"kvGet"|"kvList"|"listPlans";
}

export interface ReadRequest__Output {
  'linearizable'?: (_fleet_v1_Linearizable__Output | null);
  'minIndex'?: (number);
  'maxStalenessMs'?: (number);
  'getShard'?: (_fleet_v1_GetShard__Output | null);
  'listShards'?: (_fleet_v1_ListShards__Output | null);
  'getCluster'?: (_fleet_v1_GetCluster__Output | null);
  'listClusters'?: (_fleet_v1_ListClusters__Output | null);
  'counts'?: (_fleet_v1_Counts__Output | null);
  'listDomains'?: (_fleet_v1_ListDomains__Output | null);
  'listQuotas'?: (_fleet_v1_ListQuotas__Output | null);
  'listProviders'?: (_fleet_v1_ListProviders__Output | null);
  'listLeases'?: (_fleet_v1_ListLeases__Output | null);
  'kvGet'?: (_fleet_v1_KvGet__Output | null);
  'kvList'?: (_fleet_v1_KvList__Output | null);
  'listPlans'?: (_fleet_v1_ListPlans__Output | null);
  'consistency'?: "linearizable"|"minIndex"|"maxStalenessMs";
  'query'?: "getShard"|"listShards"|"getCluster"|"listClusters"|"counts"|"listDomains"|"listQuotas"|"listProviders"|"listLeases"|"kvGet"|"kvList"|"listPlans";
}
