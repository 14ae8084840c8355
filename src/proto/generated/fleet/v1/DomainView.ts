// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface DomainView {
  'key'?: (string);
  'value'?: (string);
  'shard'?: (string);
  'assignedAtIndex'?: (number | string | Long);
}

export interface DomainView__Output {
  'key': (string);
  'value': (string);
  'shard': (string);
  'assignedAtIndex': (number);
}
