// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface BackupTaken {
  'at'?: (string);
  'index'?: (number | string | Long);
  'name'?: (string);
  'bytes'?: (number | string | Long);
}

export interface BackupTaken__Output {
  'at': (string);
  'index': (number);
  'name': (string);
  'bytes': (number);
}
