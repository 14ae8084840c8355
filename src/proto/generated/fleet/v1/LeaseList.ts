// Original file: proto/fleet/v1/client.proto

import type { LeaseStatus as _fleet_v1_LeaseStatus, LeaseStatus__Output as _fleet_v1_LeaseStatus__Output } from '../../fleet/v1/LeaseStatus.js';

export interface LeaseList {
  'leases'?: (_fleet_v1_LeaseStatus)[];
}

export interface LeaseList__Output {
  'leases': (_fleet_v1_LeaseStatus__Output)[];
}
