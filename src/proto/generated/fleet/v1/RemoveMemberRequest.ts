// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface RemoveMemberRequest {
  'id'?: (string);
  'ifConfigIndex'?: (number | string | Long);
  '_ifConfigIndex'?: "ifConfigIndex";
}

export interface RemoveMemberRequest__Output {
  'id': (string);
  'ifConfigIndex'?: (number);
  '_ifConfigIndex'?: "ifConfigIndex";
}
