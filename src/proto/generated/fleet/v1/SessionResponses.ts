// Original file: proto/fleet/v1/client.proto

import type { SessionResponse as _fleet_v1_SessionResponse, SessionResponse__Output as _fleet_v1_SessionResponse__Output } from '../../fleet/v1/SessionResponse.js';

export interface SessionResponses {
  'responses'?: (_fleet_v1_SessionResponse)[];
}

export interface SessionResponses__Output {
  'responses': (_fleet_v1_SessionResponse__Output)[];
}
