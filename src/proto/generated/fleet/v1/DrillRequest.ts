// Original file: proto/fleet/v1/admin.proto

import type { DrillKind as _fleet_v1_DrillKind, DrillKind__Output as _fleet_v1_DrillKind__Output } from '../../fleet/v1/DrillKind.js';
import type { PeerDelay as _fleet_v1_PeerDelay, PeerDelay__Output as _fleet_v1_PeerDelay__Output } from '../../fleet/v1/PeerDelay.js';
import type { Long } from '@grpc/proto-loader';

export interface DrillRequest {
  'kind'?: (_fleet_v1_DrillKind);
  'durationMs'?: (number | string | Long);
  'peers'?: (string)[];
  'delays'?: (_fleet_v1_PeerDelay)[];
  'clockOffsetMs'?: (number | string | Long);
}

export interface DrillRequest__Output {
  'kind': (_fleet_v1_DrillKind__Output);
  'durationMs': (number);
  'peers': (string)[];
  'delays': (_fleet_v1_PeerDelay__Output)[];
  'clockOffsetMs': (number);
}
