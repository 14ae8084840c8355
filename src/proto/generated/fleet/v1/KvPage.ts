// Original file: proto/fleet/v1/client.proto

import type { KvEntry as _fleet_v1_KvEntry, KvEntry__Output as _fleet_v1_KvEntry__Output } from '../../fleet/v1/KvEntry.js';

export interface KvPage {
  'entries'?: (_fleet_v1_KvEntry)[];
  'next'?: (string);
  '_next'?: "next";
}

export interface KvPage__Output {
  'entries': (_fleet_v1_KvEntry__Output)[];
  'next'?: (string);
  '_next'?: "next";
}
