// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseView {
  'name'?: (string);
  'holder'?: (string);
  'token'?: (number | string | Long);
  'ttlMs'?: (number | string | Long);
  'acquiredAt'?: (number | string | Long);
  'expiresAt'?: (number | string | Long);
}

export interface LeaseView__Output {
  'name': (string);
  'holder': (string);
  'token': (number);
  'ttlMs': (number);
  'acquiredAt': (number);
  'expiresAt': (number);
}
