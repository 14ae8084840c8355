// Original file: proto/fleet/v1/client.proto

import type { WriteRequest as _fleet_v1_WriteRequest, WriteRequest__Output as _fleet_v1_WriteRequest__Output } from '../../fleet/v1/WriteRequest.js';
import type { ReadRequest as _fleet_v1_ReadRequest, ReadRequest__Output as _fleet_v1_ReadRequest__Output } from '../../fleet/v1/ReadRequest.js';
import type { Long } from '@grpc/proto-loader';

export interface SessionRequest {
  'id'?: (number | string | Long);
  'write'?: (_fleet_v1_WriteRequest | null);
  'read'?: (_fleet_v1_ReadRequest | null);
  'op'?: "write"|"read";
}

export interface SessionRequest__Output {
  'id': (number);
  'write'?: (_fleet_v1_WriteRequest__Output | null);
  'read'?: (_fleet_v1_ReadRequest__Output | null);
  'op'?: "write"|"read";
}
