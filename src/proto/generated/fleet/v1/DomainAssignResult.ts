// Original file: proto/fleet/v1/client.proto

import type { DomainView as _fleet_v1_DomainView, DomainView__Output as _fleet_v1_DomainView__Output } from '../../fleet/v1/DomainView.js';

export interface DomainAssignResult {
  'domain'?: (_fleet_v1_DomainView | null);
  'previousShard'?: (string);
  '_previousShard'?: "previousShard";
}

export interface DomainAssignResult__Output {
  'domain': (_fleet_v1_DomainView__Output | null);
  'previousShard'?: (string);
  '_previousShard'?: "previousShard";
}
