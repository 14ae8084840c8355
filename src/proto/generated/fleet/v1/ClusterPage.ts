// Original file: proto/fleet/v1/client.proto

import type { ClusterView as _fleet_v1_ClusterView, ClusterView__Output as _fleet_v1_ClusterView__Output } from '../../fleet/v1/ClusterView.js';

export interface ClusterPage {
  'clusters'?: (_fleet_v1_ClusterView)[];
  'next'?: (string);
  '_next'?: "next";
}

export interface ClusterPage__Output {
  'clusters': (_fleet_v1_ClusterView__Output)[];
  'next'?: (string);
  '_next'?: "next";
}
