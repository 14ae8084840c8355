// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface DrillResponse {
  'memberId'?: (string);
  'pid'?: (number);
  'blocked'?: (string)[];
  'untilMs'?: (number | string | Long);
}

export interface DrillResponse__Output {
  'memberId': (string);
  'pid': (number);
  'blocked': (string)[];
  'untilMs': (number);
}
