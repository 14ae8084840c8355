// Original file: proto/fleet/v1/client.proto

import type { ShardView as _fleet_v1_ShardView, ShardView__Output as _fleet_v1_ShardView__Output } from '../../fleet/v1/ShardView.js';

export interface ShardUpdateResult {
  'shard'?: (_fleet_v1_ShardView | null);
}

export interface ShardUpdateResult__Output {
  'shard': (_fleet_v1_ShardView__Output | null);
}
