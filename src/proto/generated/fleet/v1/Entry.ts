// Original file: proto/fleet/v1/peer.proto

import type { EntryType as _fleet_v1_EntryType, EntryType__Output as _fleet_v1_EntryType__Output } from '../../fleet/v1/EntryType.js';
import type { Long } from '@grpc/proto-loader';

export interface Entry {
  'term'?: (number | string | Long);
  'index'?: (number | string | Long);
  'type'?: (_fleet_v1_EntryType);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Entry__Output {
  'term': (number);
  'index': (number);
  'type': (_fleet_v1_EntryType__Output);
  'data': (Buffer);
}
