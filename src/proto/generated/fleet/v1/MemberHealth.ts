// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberHealth {
  'id'?: (string);
  'voter'?: (boolean);
  'lastContactMs'?: (number | string | Long);
  'trailingEntries'?: (number | string | Long);
  'trailingMs'?: (number | string | Long);
  'healthy'?: (boolean);
  'stable'?: (boolean);
  'dead'?: (boolean);
}

export interface MemberHealth__Output {
  'id': (string);
  'voter': (boolean);
  'lastContactMs': (number);
  'trailingEntries': (number);
  'trailingMs': (number);
  'healthy': (boolean);
  'stable': (boolean);
  'dead': (boolean);
}
