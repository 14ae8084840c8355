// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterRebindBatchResult {
  'moved'?: (number | string | Long);
  'planId'?: (string);
  '_planId'?: "planId";
}

export interface ClusterRebindBatchResult__Output {
  'moved': (number);
  'planId'?: (string);
  '_planId'?: "planId";
}
