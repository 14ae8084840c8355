// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'fromIndex'?: (number | string | Long);
  'registry'?: (string);
  'ns'?: (string);
  'prefix'?: (string);
}

export interface WatchRequest__Output {
  'fromIndex': (number);
  'registry': (string);
  'ns': (string);
  'prefix': (string);
}
