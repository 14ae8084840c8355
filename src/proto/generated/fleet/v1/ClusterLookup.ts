// Original file: proto/fleet/v1/client.proto

import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from '../../fleet/v1/ClusterView.js';

export interface ClusterLookup {
  'cluster'?: (_fleet_v1_ClusterView | null);
}

export interface ClusterLookup__Output {
  'cluster': (_fleet_v1_ClusterView__Output | null);
}
