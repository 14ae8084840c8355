// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface KvMeta {
  'ns'?: (string);
  'key'?: (string);
  'createRevision'?: (number | string | Long);
  'modRevision'?: (number | string | Long);
  'version'?: (number | string | Long);
}

export interface KvMeta__Output {
  'ns': (string);
  'key': (string);
  'createRevision': (number);
  'modRevision': (number);
  'version': (number);
}
