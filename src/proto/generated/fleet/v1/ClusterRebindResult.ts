// Original file: proto/fleet/v1/client.proto

import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from '../../fleet/v1/ClusterView.js';

export interface ClusterRebindResult {
  'cluster'?: (_fleet_v1_ClusterView | null);
  'from'?: (string);
  '_from'?: "from";
}

export interface ClusterRebindResult__Output {
  'cluster': (_fleet_v1_ClusterView__Output | null);
  'from'?: (string);
  '_from'?: "from";
}
