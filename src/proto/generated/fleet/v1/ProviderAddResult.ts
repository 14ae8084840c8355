// Original file: proto/fleet/v1/client.proto

import type { ProviderView as _fleet_v1_ProviderView, ProviderView__Output as _fleet_v1_ProviderView__Output } from '../../fleet/v1/ProviderView.js';

export interface ProviderAddResult {
  'provider'?: (_fleet_v1_ProviderView | null);
  'created'?: (boolean);
}

export interface ProviderAddResult__Output {
  'provider': (_fleet_v1_ProviderView__Output | null);
  'created': (boolean);
}
