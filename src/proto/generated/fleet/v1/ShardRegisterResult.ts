// Original file: proto/fleet/v1/client.proto

import type { ShardView as _fleet_v1_ShardView, ShardView__Output as _fleet_v1_ShardView__Output } from '../../fleet/v1/ShardView.js';

export interface ShardRegisterResult {
  'shard'?: (_fleet_v1_ShardView | null);
  'created'?: (boolean);
}

export interface ShardRegisterResult__Output {
  'shard': (_fleet_v1_ShardView__Output | null);
  'created': (boolean);
}
