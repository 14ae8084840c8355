// Original file: proto/fleet/v1/client.proto

import type { SessionRequest as _fleet_v1_SessionRequest, SessionRequest__Output as _fleet_v1_SessionRequest__Output } from '../../fleet/v1/SessionRequest.js';

export interface SessionRequests {
  'requests'?: (_fleet_v1_SessionRequest)[];
}

export interface SessionRequests__Output {
  'requests': (_fleet_v1_SessionRequest__Output)[];
}
