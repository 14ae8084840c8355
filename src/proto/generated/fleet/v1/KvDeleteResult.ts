// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface KvDeleteResult {
  'deleted'?: (boolean);
  'revision'?: (number | string | Long);
}

export interface KvDeleteResult__Output {
  'deleted': (boolean);
  'revision': (number);
}
