// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseAcquire {
  'name'?: (string);
  'holder'?: (string);
  'ttlMs'?: (number | string | Long);
}

export interface LeaseAcquire__Output {
  'name': (string);
  'holder': (string);
  'ttlMs': (number);
}
