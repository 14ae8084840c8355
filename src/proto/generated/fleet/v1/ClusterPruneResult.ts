// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterPruneResult {
  'pruned'?: (number | string | Long);
}

export interface ClusterPruneResult__Output {
  'pruned': (number);
}
