// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ListClusters {
  'shard'?: (string);
  'unbound'?: (boolean);
  'staleSinceMs'?: (number | string | Long);
  'after'?: (string);
  'limit'?: (number);
  '_shard'?: "shard";
  '_staleSinceMs'?: "staleSinceMs";
  '_after'?: "after";
  '_limit'?: "limit";
}

export interface ListClusters__Output {
  'shard'?: (string);
  'unbound': (boolean);
  'staleSinceMs'?: (number);
  'after'?: (string);
  'limit'?: (number);
  '_shard'?: "shard";
  '_staleSinceMs'?: "staleSinceMs";
  '_after'?: "after";
  '_limit'?: "limit";
}
