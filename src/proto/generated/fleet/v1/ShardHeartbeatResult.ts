// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ShardHeartbeatResult {
  'id'?: (string);
  'lastHeartbeat'?: (number | string | Long);
}

export interface ShardHeartbeatResult__Output {
  'id': (string);
  'lastHeartbeat': (number);
}
