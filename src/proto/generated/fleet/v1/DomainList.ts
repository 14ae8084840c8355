// Original file: proto/fleet/v1/client.proto

import type { DomainView as _fleet_v1_DomainView, DomainView__Output as _fleet_v1_DomainView__Output } from '../../fleet/v1/DomainView.js';

export interface DomainList {
  'domains'?: (_fleet_v1_DomainView)[];
}

export interface DomainList__Output {
  'domains': (_fleet_v1_DomainView__Output)[];
}
