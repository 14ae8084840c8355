// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeaderResponse {
  'from'?: (string);
  'to'?: (string);
  'tookMs'?: (number | string | Long);
}

export interface TransferLeaderResponse__Output {
  'from': (string);
  'to': (string);
  'tookMs': (number);
}
