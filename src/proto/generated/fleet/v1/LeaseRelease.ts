// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaseRelease {
  'name'?: (string);
  'holder'?: (string);
  'token'?: (number | string | Long);
}

export interface LeaseRelease__Output {
  'name': (string);
  'holder': (string);
  'token': (number);
}
