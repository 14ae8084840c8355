// Original file: proto/fleet/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SetAutopilotRequest {
  'autoPromoteLearners'?: (boolean);
  'cleanupDeadMembers'?: (boolean);
  'deadAfterMs'?: (number | string | Long);
  'lastContactThresholdMs'?: (number | string | Long);
  'maxTrailingEntries'?: (number | string | Long);
  'minQuorum'?: (number);
  'stabilizationMs'?: (number | string | Long);
  'preferredRegion'?: (string);
  '_autoPromoteLearners'?: "autoPromoteLearners";
  '_cleanupDeadMembers'?: "cleanupDeadMembers";
  '_deadAfterMs'?: "deadAfterMs";
  '_lastContactThresholdMs'?: "lastContactThresholdMs";
  '_maxTrailingEntries'?: "maxTrailingEntries";
  '_minQuorum'?: "minQuorum";
  '_stabilizationMs'?: "stabilizationMs";
  '_preferredRegion'?: "preferredRegion";
}

export interface SetAutopilotRequest__Output {
  'autoPromoteLearners'?: (boolean);
  'cleanupDeadMembers'?: (boolean);
  'deadAfterMs'?: (number);
  'lastContactThresholdMs'?: (number);
  'maxTrailingEntries'?: (number);
  'minQuorum'?: (number);
  'stabilizationMs'?: (number);
  'preferredRegion'?: (string);
  '_autoPromoteLearners'?: "autoPromoteLearners";
  '_cleanupDeadMembers'?: "cleanupDeadMembers";
  '_deadAfterMs'?: "deadAfterMs";
  '_lastContactThresholdMs'?: "lastContactThresholdMs";
  '_maxTrailingEntries'?: "maxTrailingEntries";
  '_minQuorum'?: "minQuorum";
  '_stabilizationMs'?: "stabilizationMs";
  '_preferredRegion'?: "preferredRegion";
}
