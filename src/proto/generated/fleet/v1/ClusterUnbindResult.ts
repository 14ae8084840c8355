// Original file: proto/fleet/v1/client.proto

import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from '../../fleet/v1/ClusterView.js';

export interface ClusterUnbindResult {
  'cluster'?: (_fleet_v1_ClusterView | null);
  'previousShard'?: (string);
  '_previousShard'?: "previousShard";
}

export interface ClusterUnbindResult__Output {
  'cluster': (_fleet_v1_ClusterView__Output | null);
  'previousShard'?: (string);
  '_previousShard'?: "previousShard";
}
