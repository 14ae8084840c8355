// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface AutopilotSettings {
  'autoPromoteLearners'?: (boolean);
  'cleanupDeadMembers'?: (boolean);
  'deadAfterMs'?: (number | string | Long);
  'lastContactThresholdMs'?: (number | string | Long);
  'maxTrailingEntries'?: (number | string | Long);
  'minQuorum'?: (number);
  'stabilizationMs'?: (number | string | Long);
  'preferredRegion'?: (string);
}

export interface AutopilotSettings__Output {
  'autoPromoteLearners': (boolean);
  'cleanupDeadMembers': (boolean);
  'deadAfterMs': (number);
  'lastContactThresholdMs': (number);
  'maxTrailingEntries': (number);
  'minQuorum': (number);
  'stabilizationMs': (number);
  'preferredRegion': (string);
}
