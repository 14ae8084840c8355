// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface TakeSnapshotResponse {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'path'?: (string);
}

export interface TakeSnapshotResponse__Output {
  'index': (number);
  'term': (number);
  'bytes': (number);
  'path': (string);
}
