// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterHeartbeatResult {
  'cluster'?: (string);
  'lastSeen'?: (number | string | Long);
}

export interface ClusterHeartbeatResult__Output {
  'cluster': (string);
  'lastSeen': (number);
}
