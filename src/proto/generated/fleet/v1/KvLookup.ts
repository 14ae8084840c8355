// Original file: proto/fleet/v1/client.proto

import type { KvEntry as _fleet_v1_KvEntry, KvEntry__Output as _fleet_v1_KvEntry__Output } from '../../fleet/v1/KvEntry.js';

export interface KvLookup {
  'entry'?: (_fleet_v1_KvEntry | null);
}

export interface KvLookup__Output {
  'entry': (_fleet_v1_KvEntry__Output | null);
}
