// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseReleaseResult {
  'name'?: (string);
  'token'?: (number | string | Long);
}

export interface LeaseReleaseResult__Output {
  'name': (string);
  'token': (number);
}
