// Original file: proto/fleet/v1/client.proto

import type { LeaseView as _fleet_v1_LeaseView, LeaseView__Output as _fleet_v1_LeaseView__Output } from '../../fleet/v1/LeaseView.js';

export interface LeaseAcquireResult {
  'lease'?: (_fleet_v1_LeaseView | null);
  'renewed'?: (boolean);
}

export interface LeaseAcquireResult__Output {
  'lease': (_fleet_v1_LeaseView__Output | null);
  'renewed': (boolean);
}
