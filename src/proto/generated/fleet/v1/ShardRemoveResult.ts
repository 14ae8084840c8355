// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ShardRemoveResult {
  'id'?: (string);
  'unboundClusters'?: (number | string | Long);
  'unassignedDomains'?: (number | string | Long);
  'droppedQuotaSlices'?: (number | string | Long);
}

export interface ShardRemoveResult__Output {
  'id': (string);
  'unboundClusters': (number);
  'unassignedDomains': (number);
  'droppedQuotaSlices': (number);
}
