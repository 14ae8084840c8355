// Original file: proto/fleet/v1/admin.proto

import type { AuditEntry as _fleet_v1_AuditEntry, AuditEntry__Output as _fleet_v1_AuditEntry__Output } from '../../fleet/v1/AuditEntry.js';

export interface AuditResponse {
  'entries'?: (_fleet_v1_AuditEntry)[];
}

export interface AuditResponse__Output {
  'entries': (_fleet_v1_AuditEntry__Output)[];
}
