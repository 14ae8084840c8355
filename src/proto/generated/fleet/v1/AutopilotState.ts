// Original file: proto/fleet/v1/client.proto

import type { AutopilotSettings as _fleet_v1_AutopilotSettings, AutopilotSettings__Output as _fleet_v1_AutopilotSettings__Output } from '../../fleet/v1/AutopilotSettings.js';
import type { MemberHealth as _fleet_v1_MemberHealth, MemberHealth__Output as _fleet_v1_MemberHealth__Output } from '../../fleet/v1/MemberHealth.js';

export interface AutopilotState {
  'settings'?: (_fleet_v1_AutopilotSettings | null);
  'settingsProblem'?: (string);
  'members'?: (_fleet_v1_MemberHealth)[];
  'held'?: (string)[];
  'lastAction'?: (string);
}

export interface AutopilotState__Output {
  'settings': (_fleet_v1_AutopilotSettings__Output | null);
  'settingsProblem': (string);
  'members': (_fleet_v1_MemberHealth__Output)[];
  'held': (string)[];
  'lastAction': (string);
}
