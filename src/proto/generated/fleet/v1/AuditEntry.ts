// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  'index'?: (number | string | Long);
  'time'?: (number | string | Long);
  'who'?: (string);
  'client'?: (string);
  'op'?: (string);
  'argsJson'?: (string);
  'outcome'?: (string);
}

export interface AuditEntry__Output {
  'index': (number);
  'time': (number);
  'who': (string);
  'client': (string);
  'op': (string);
  'argsJson': (string);
  'outcome': (string);
}
