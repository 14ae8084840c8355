// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseStatus {
  'name'?: (string);
  'holder'?: (string);
  'token'?: (number | string | Long);
  'ttlMs'?: (number | string | Long);
  'acquiredAt'?: (number | string | Long);
  'expiresAt'?: (number | string | Long);
  'expired'?: (boolean);
  'remainingMs'?: (number | string | Long);
}

export interface LeaseStatus__Output {
  'name': (string);
  'holder': (string);
  'token': (number);
  'ttlMs': (number);
  'acquiredAt': (number);
  'expiresAt': (number);
  'expired': (boolean);
  'remainingMs': (number);
}
