// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface KvEntry {
  'ns'?: (string);
  'key'?: (string);
  'createRevision'?: (number | string | Long);
  'modRevision'?: (number | string | Long);
  'version'?: (number | string | Long);
  'value'?: (string);
}

export interface KvEntry__Output {
  'ns': (string);
  'key': (string);
  'createRevision': (number);
  'modRevision': (number);
  'version': (number);
  'value': (string);
}
