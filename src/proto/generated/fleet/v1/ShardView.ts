// Original file: proto/fleet/v1/client.proto

import type { ShardState as _fleet_v1_ShardState, ShardState__Output as _fleet_v1_ShardState__Output } from '../../fleet/v1/ShardState.js';
import type { Long } from '@grpc/proto-loader';

export interface ShardView {
  'id'?: (string);
  'address'?: (string);
  'region'?: (string);
  'zone'?: (string);
  'state'?: (_fleet_v1_ShardState);
  'capacity'?: (number | string | Long);
  'labels'?: ({[key: string]: string});
  'registeredAt'?: (number | string | Long);
  'lastHeartbeat'?: (number | string | Long);
  'boundClusters'?: (number | string | Long);
  '_lastHeartbeat'?: "lastHeartbeat";
}

export interface ShardView__Output {
  'id': (string);
  'address': (string);
  'region': (string);
  'zone': (string);
  'state': (_fleet_v1_ShardState__Output);
  'capacity': (number);
  'labels': ({[key: string]: string});
  'registeredAt': (number);
  'lastHeartbeat'?: (number);
  'boundClusters': (number);
  '_lastHeartbeat'?: "lastHeartbeat";
}
