// Original file: proto/fleet/v1/client.proto

import type { PlanView as _fleet_v1_PlanView, PlanView__Output as _fleet_v1_PlanView__Output } from '../../fleet/v1/PlanView.js';

export interface PlanProgressResult {
  'plan'?: (_fleet_v1_PlanView | null);
}

export interface PlanProgressResult__Output {
  'plan': (_fleet_v1_PlanView__Output | null);
}
