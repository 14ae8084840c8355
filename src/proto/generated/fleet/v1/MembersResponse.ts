// Original file: proto/fleet/v1/admin.proto

import type { MemberInfo as _fleet_v1_MemberInfo, MemberInfo__Output as _fleet_v1_MemberInfo__Output } from '../../fleet/v1/MemberInfo.js';

export interface MembersResponse {
  'members'?: (_fleet_v1_MemberInfo)[];
  'leaderId'?: (string);
}

export interface MembersResponse__Output {
  'members': (_fleet_v1_MemberInfo__Output)[];
  'leaderId': (string);
}
