// Original file: proto/fleet/v1/client.proto

import type { QuotaView as _fleet_v1_QuotaView, QuotaView__Output as _fleet_v1_QuotaView__Output } from '../../fleet/v1/QuotaView.js';

export interface QuotaSetResult {
  'quota'?: (_fleet_v1_QuotaView | null);
  'created'?: (boolean);
}

export interface QuotaSetResult__Output {
  'quota': (_fleet_v1_QuotaView__Output | null);
  'created': (boolean);
}
