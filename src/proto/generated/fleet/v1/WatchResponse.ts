// Original file: proto/fleet/v1/client.proto

import type { WatchEvent as _fleet_v1_WatchEvent, WatchEvent__Output as _fleet_v1_WatchEvent__Output } from '../../fleet/v1/WatchEvent.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchResponse {
  'index'?: (number | string | Long);
  'events'?: (_fleet_v1_WatchEvent)[];
  'startIndex'?: (number | string | Long);
  'oldestIndex'?: (number | string | Long);
}

export interface WatchResponse__Output {
  'index': (number);
  'events': (_fleet_v1_WatchEvent__Output)[];
  'startIndex': (number);
  'oldestIndex': (number);
}
