// Original file: proto/fleet/v1/admin.proto

import type { AutopilotSettings as _fleet_v1_AutopilotSettings, AutopilotSettings__Output as _fleet_v1_AutopilotSettings__Output } from '../../fleet/v1/AutopilotSettings.js';

export interface AutopilotSettingsResponse {
  'settings'?: (_fleet_v1_AutopilotSettings | null);
  'problem'?: (string);
}

export interface AutopilotSettingsResponse__Output {
  'settings': (_fleet_v1_AutopilotSettings__Output | null);
  'problem': (string);
}
