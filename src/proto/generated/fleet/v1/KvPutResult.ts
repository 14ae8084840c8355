// Original file: proto/fleet/v1/client.proto

import type { KvMeta as _fleet_v1_KvMeta, KvMeta__Output as _fleet_v1_KvMeta__Output } from '../../fleet/v1/KvMeta.js';
import type { Long } from '@grpc/proto-loader';

export interface KvPutResult {
  'kv'?: (_fleet_v1_KvMeta | null);
  'revision'?: (number | string | Long);
}

export interface KvPutResult__Output {
  'kv': (_fleet_v1_KvMeta__Output | null);
  'revision': (number);
}
