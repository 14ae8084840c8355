// Original file: proto/fleet/v1/client.proto

import type { ShardView as _fleet_v1_ShardView, ShardView__Output as _fleet_v1_ShardView__Output } from '../../fleet/v1/ShardView.js';
import type { ShardState as _fleet_v1_ShardState, ShardState__Output as _fleet_v1_ShardState__Output } from '../../fleet/v1/ShardState.js';

export interface ShardSetStateResult {
  'shard'?: (_fleet_v1_ShardView | null);
  'previousState'?: (_fleet_v1_ShardState);
}

export interface ShardSetStateResult__Output {
  'shard': (_fleet_v1_ShardView__Output | null);
  'previousState': (_fleet_v1_ShardState__Output);
}
