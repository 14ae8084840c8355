// Original file: proto/fleet/v1/client.proto

import type { ShardState as _fleet_v1_ShardState, ShardState__Output as _fleet_v1_ShardState__Output } from '../../fleet/v1/ShardState.js';

export interface ShardSetState {
  'id'?: (string);
  'state'?: (_fleet_v1_ShardState);
}

export interface ShardSetState__Output {
  'id': (string);
  'state': (_fleet_v1_ShardState__Output);
}
