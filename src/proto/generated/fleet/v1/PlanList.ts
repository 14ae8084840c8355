// Original file: proto/fleet/v1/client.proto

import type { PlanView as _fleet_v1_PlanView, PlanView__Output as _fleet_v1_PlanView__Output } from '../../fleet/v1/PlanView.js';

export interface PlanList {
  'plans'?: (_fleet_v1_PlanView)[];
}

export interface PlanList__Output {
  'plans': (_fleet_v1_PlanView__Output)[];
}
