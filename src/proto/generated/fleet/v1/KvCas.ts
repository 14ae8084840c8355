// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface KvCas {
  'key'?: (string);
  'expected'?: (string);
  'value'?: (string);
  'ns'?: (string);
  'expectRevision'?: (number | string | Long);
  '_expected'?: "expected";
  '_expectRevision'?: "expectRevision";
}

export interface KvCas__Output {
  'key': (string);
  'expected'?: (string);
  'value': (string);
  'ns': (string);
  'expectRevision'?: (number);
  '_expected'?: "expected";
  '_expectRevision'?: "expectRevision";
}
