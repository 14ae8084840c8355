// Original file: proto/fleet/v1/client.proto

import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from '../../fleet/v1/ClusterView.js';

export interface ClusterContactResult {
  'cluster'?: (_fleet_v1_ClusterView | null);
  'created'?: (boolean);
  'bound'?: (boolean);
}

export interface ClusterContactResult__Output {
  'cluster': (_fleet_v1_ClusterView__Output | null);
  'created': (boolean);
  'bound': (boolean);
}
