// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterPrune {
  'notSeenSinceMs'?: (number | string | Long);
}

export interface ClusterPrune__Output {
  'notSeenSinceMs': (number);
}
