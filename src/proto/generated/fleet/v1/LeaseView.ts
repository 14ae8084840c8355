// Original file: proto/fleet/v1/client.proto

import type { LeaseExtension as _fleet_v1_LeaseExtension, LeaseExtension__Output as _fleet_v1_LeaseExtension__Output } from '../../fleet/v1/LeaseExtension.js';
import type { Long } from '@grpc/proto-loader';

export interface LeaseView {
  'name'?: (string);
  'holder'?: (string);
  'token'?: (number | string | Long);
  'ttlMs'?: (number | string | Long);
  'acquiredAt'?: (number | string | Long);
  'expiresAt'?: (number | string | Long);
  'extended'?: (_fleet_v1_LeaseExtension | null);
}

export interface LeaseView__Output {
  'name': (string);
  'holder': (string);
  'token': (number);
  'ttlMs': (number);
  'acquiredAt': (number);
  'expiresAt': (number);
  'extended': (_fleet_v1_LeaseExtension__Output | null);
}
