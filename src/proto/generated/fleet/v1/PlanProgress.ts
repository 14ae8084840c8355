// Original file: proto/fleet/v1/client.proto

import type { PlanState as _fleet_v1_PlanState, PlanState__Output as _fleet_v1_PlanState__Output } from '../../fleet/v1/PlanState.js';
import type { Long } from '@grpc/proto-loader';

export interface PlanProgress {
  'planId'?: (string);
  'startedBy'?: (string);
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
  'state'?: (_fleet_v1_PlanState);
}

export interface PlanProgress__Output {
  'planId': (string);
  'startedBy': (string);
  'done': (number);
  'total': (number);
  'state': (_fleet_v1_PlanState__Output);
}
