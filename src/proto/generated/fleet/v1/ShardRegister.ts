// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ShardRegister {
  'id'?: (string);
  'address'?: (string);
  'region'?: (string);
  'zone'?: (string);
  'capacity'?: (number | string | Long);
  'labels'?: ({[key: string]: string});
}

export interface ShardRegister__Output {
  'id': (string);
  'address': (string);
  'region': (string);
  'zone': (string);
  'capacity': (number);
  'labels': ({[key: string]: string});
}
