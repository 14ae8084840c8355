// Original file: proto/fleet/v1/client.proto

import type { QuotaView as _fleet_v1_QuotaView, QuotaView__Output as _fleet_v1_QuotaView__Output } from '../../fleet/v1/QuotaView.js';

export interface QuotaList {
  'quotas'?: (_fleet_v1_QuotaView)[];
}

export interface QuotaList__Output {
  'quotas': (_fleet_v1_QuotaView__Output)[];
}
