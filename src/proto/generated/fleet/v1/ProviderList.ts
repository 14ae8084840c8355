// Original file: proto/fleet/v1/client.proto

import type { ProviderView as _fleet_v1_ProviderView, ProviderView__Output as _fleet_v1_ProviderView__Output } from '../../fleet/v1/ProviderView.js';

export interface ProviderList {
  'providers'?: (_fleet_v1_ProviderView)[];
}

export interface ProviderList__Output {
  'providers': (_fleet_v1_ProviderView__Output)[];
}
