// Original file: proto/fleet/v1/client.proto

import type { LabelSet as _fleet_v1_LabelSet, LabelSet__Output as _fleet_v1_LabelSet__Output } from '../../fleet/v1/LabelSet.js';
import type { Long } from '@grpc/proto-loader';

export interface ShardUpdate {
  'id'?: (string);
  'address'?: (string);
  'region'?: (string);
  'zone'?: (string);
  'capacity'?: (number | string | Long);
  'labels'?: (_fleet_v1_LabelSet | null);
  '_address'?: "address";
  '_region'?: "region";
  '_zone'?: "zone";
  '_capacity'?: "capacity";
}

export interface ShardUpdate__Output {
  'id': (string);
  'address'?: (string);
  'region'?: (string);
  'zone'?: (string);
  'capacity'?: (number);
  'labels': (_fleet_v1_LabelSet__Output | null);
  '_address'?: "address";
  '_region'?: "region";
  '_zone'?: "zone";
  '_capacity'?: "capacity";
}
