// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseExtension {
  'lateMs'?: (number | string | Long);
  'sinceIndex'?: (number | string | Long);
  'reason'?: (string);
}

export interface LeaseExtension__Output {
  'lateMs': (number);
  'sinceIndex': (number);
  'reason': (string);
}
