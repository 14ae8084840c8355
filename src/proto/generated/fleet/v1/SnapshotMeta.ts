// Original file: proto/fleet/v1/peer.proto

import type { ConfState as _fleet_v1_ConfState, ConfState__Output as _fleet_v1_ConfState__Output } from '../../fleet/v1/ConfState.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotMeta {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'conf'?: (_fleet_v1_ConfState | null);
}

export interface SnapshotMeta__Output {
  'index': (number);
  'term': (number);
  'conf': (_fleet_v1_ConfState__Output | null);
}
