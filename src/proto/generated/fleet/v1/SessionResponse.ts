// Original file: proto/fleet/v1/client.proto

import type { WriteResponse as _fleet_v1_WriteResponse, WriteResponse__Output as _fleet_v1_WriteResponse__Output } from '../../fleet/v1/WriteResponse.js';
import type { ReadResponse as _fleet_v1_ReadResponse, ReadResponse__Output as _fleet_v1_ReadResponse__Output } from '../../fleet/v1/ReadResponse.js';
import type { RequestError as _fleet_v1_RequestError, RequestError__Output as _fleet_v1_RequestError__Output } from '../../fleet/v1/RequestError.js';
import type { Long } from '@grpc/proto-loader';

export interface SessionResponse {
  'id'?: (number | string | Long);
  'write'?: (_fleet_v1_WriteResponse | null);
  'read'?: (_fleet_v1_ReadResponse | null);
  'error'?: (_fleet_v1_RequestError | null);
  'answer'?: "write"|"read"|"error";
}

export interface SessionResponse__Output {
  'id': (number);
  'write'?: (_fleet_v1_WriteResponse__Output | null);
  'read'?: (_fleet_v1_ReadResponse__Output | null);
  'error'?: (_fleet_v1_RequestError__Output | null);
  'answer'?: "write"|"read"|"error";
}
