// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterView {
  'name'?: (string);
  'shard'?: (string);
  'generation'?: (number | string | Long);
  'boundAtIndex'?: (number | string | Long);
  'lastSeen'?: (number | string | Long);
  '_shard'?: "shard";
}

export interface ClusterView__Output {
  'name': (string);
  'shard'?: (string);
  'generation': (number);
  'boundAtIndex': (number);
  'lastSeen': (number);
  '_shard'?: "shard";
}
