// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface QuotaView {
  'provider'?: (string);
  'region'?: (string);
  'total'?: (number | string | Long);
  'allocated'?: (number | string | Long);
  'slices'?: ({[key: string]: number | string | Long});
}

export interface QuotaView__Output {
  'provider': (string);
  'region': (string);
  'total': (number);
  'allocated': (number);
  'slices': ({[key: string]: number});
}
