// Original file: proto/fleet/v1/client.proto

import type { ProgressState as _fleet_v1_ProgressState, ProgressState__Output as _fleet_v1_ProgressState__Output } from '../../fleet/v1/ProgressState.js';
import type { Long } from '@grpc/proto-loader';

export interface FollowerProgress {
  'id'?: (string);
  'match'?: (number | string | Long);
  'next'?: (number | string | Long);
  'state'?: (_fleet_v1_ProgressState);
  'recentActive'?: (boolean);
  'learner'?: (boolean);
  'lag'?: (number | string | Long);
}

export interface FollowerProgress__Output {
  'id': (string);
  'match': (number);
  'next': (number);
  'state': (_fleet_v1_ProgressState__Output);
  'recentActive': (boolean);
  'learner': (boolean);
  'lag': (number);
}
