// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotData {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'totalBytes'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface SnapshotData__Output {
  'index': (number);
  'term': (number);
  'totalBytes': (number);
  'data': (Buffer);
}
