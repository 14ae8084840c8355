// Original file: proto/fleet/v1/client.proto

import type { ShardView as _fleet_v1_ShardView, ShardView__Output as _fleet_v1_ShardView__Output } from '../../fleet/v1/ShardView.js';

export interface ShardList {
  'shards'?: (_fleet_v1_ShardView)[];
}

export interface ShardList__Output {
  'shards': (_fleet_v1_ShardView__Output)[];
}
