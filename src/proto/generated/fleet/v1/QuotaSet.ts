// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface QuotaSet {
  'provider'?: (string);
  'region'?: (string);
  'total'?: (number | string | Long);
  'slices'?: ({[key: string]: number | string | Long});
}

export interface QuotaSet__Output {
  'provider': (string);
  'region': (string);
  'total': (number);
  'slices': ({[key: string]: number});
}
