// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface GetAuditRequest {
  'sinceTime'?: (number | string | Long);
  'who'?: (string);
}

export interface GetAuditRequest__Output {
  'sinceTime': (number);
  'who': (string);
}
