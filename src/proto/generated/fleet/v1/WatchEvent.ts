// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchEvent {
  'index'?: (number | string | Long);
  'registry'?: (string);
  'type'?: (string);
  'ns'?: (string);
  'key'?: (string);
  'oldJson'?: (string);
  'newJson'?: (string);
  '_oldJson'?: "oldJson";
  '_newJson'?: "newJson";
}

export interface WatchEvent__Output {
  'index': (number);
  'registry': (string);
  'type': (string);
  'ns': (string);
  'key': (string);
  'oldJson'?: (string);
  'newJson'?: (string);
  '_oldJson'?: "oldJson";
  '_newJson'?: "newJson";
}
