// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface ClusterVersion {
  'version'?: (string);
  'dataFormat'?: (number);
  'revision'?: (number | string | Long);
}

export interface ClusterVersion__Output {
  'version': (string);
  'dataFormat': (number);
  'revision': (number);
}
