// Original file: proto/fleet/v1/client.proto

import type { FleetErrorCode as _fleet_v1_FleetErrorCode, FleetErrorCode__Output as _fleet_v1_FleetErrorCode__Output } from '../../fleet/v1/FleetErrorCode.js';
import type { ErrorDetails as _fleet_v1_ErrorDetails, ErrorDetails__Output as _fleet_v1_ErrorDetails__Output } from '../../fleet/v1/ErrorDetails.js';

export interface WriteError {
  'code'?: (_fleet_v1_FleetErrorCode);
  'message'?: (string);
  'details'?: (_fleet_v1_ErrorDetails | null);
}

export interface WriteError__Output {
  'code': (_fleet_v1_FleetErrorCode__Output);
  'message': (string);
  'details': (_fleet_v1_ErrorDetails__Output | null);
}
