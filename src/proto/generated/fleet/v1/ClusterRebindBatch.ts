// Original file: proto/fleet/v1/client.proto

import type { RebindMove as _fleet_v1_RebindMove, RebindMove__Output as _fleet_v1_RebindMove__Output } from '../../fleet/v1/RebindMove.js';

export interface ClusterRebindBatch {
  'moves'?: (_fleet_v1_RebindMove)[];
  'force'?: (boolean);
  'planId'?: (string);
  '_planId'?: "planId";
}

export interface ClusterRebindBatch__Output {
  'moves': (_fleet_v1_RebindMove__Output)[];
  'force': (boolean);
  'planId'?: (string);
  '_planId'?: "planId";
}
