// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface AddMemberRequest {
  'id'?: (string);
  'address'?: (string);
  'learner'?: (boolean);
  'ifConfigIndex'?: (number | string | Long);
  '_ifConfigIndex'?: "ifConfigIndex";
}

export interface AddMemberRequest__Output {
  'id': (string);
  'address': (string);
  'learner': (boolean);
  'ifConfigIndex'?: (number);
  '_ifConfigIndex'?: "ifConfigIndex";
}
