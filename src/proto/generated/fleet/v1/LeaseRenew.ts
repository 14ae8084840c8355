// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseRenew {
  'name'?: (string);
  'holder'?: (string);
  'token'?: (number | string | Long);
  'ttlMs'?: (number | string | Long);
  '_ttlMs'?: "ttlMs";
}

export interface LeaseRenew__Output {
  'name': (string);
  'holder': (string);
  'token': (number);
  'ttlMs'?: (number);
  '_ttlMs'?: "ttlMs";
}
