// Original file: proto/fleet/v1/client.proto

import type { MemberRole as _fleet_v1_MemberRole, MemberRole__Output as _fleet_v1_MemberRole__Output } from '../../fleet/v1/MemberRole.js';
import type { MemberInfo as _fleet_v1_MemberInfo, MemberInfo__Output as _fleet_v1_MemberInfo__Output } from '../../fleet/v1/MemberInfo.js';
import type { FollowerProgress as _fleet_v1_FollowerProgress, FollowerProgress__Output as _fleet_v1_FollowerProgress__Output } from '../../fleet/v1/FollowerProgress.js';
import type { AutopilotState as _fleet_v1_AutopilotState, AutopilotState__Output as _fleet_v1_AutopilotState__Output } from '../../fleet/v1/AutopilotState.js';
import type { RepairState as _fleet_v1_RepairState, RepairState__Output as _fleet_v1_RepairState__Output } from '../../fleet/v1/RepairState.js';
import type { PeerRefusal as _fleet_v1_PeerRefusal, PeerRefusal__Output as _fleet_v1_PeerRefusal__Output } from '../../fleet/v1/PeerRefusal.js';
import type { BackupState as _fleet_v1_BackupState, BackupState__Output as _fleet_v1_BackupState__Output } from '../../fleet/v1/BackupState.js';
import type { Long } from '@grpc/proto-loader';

export interface MemberStatus {
  'id'?: (string);
  'address'?: (string);
  'clusterName'?: (string);
  'role'?: (_fleet_v1_MemberRole);
  'term'?: (number | string | Long);
  'leaderId'?: (string);
  'leaderAddress'?: (string);
  'commitIndex'?: (number | string | Long);
  'appliedIndex'?: (number | string | Long);
  'lastIndex'?: (number | string | Long);
  'snapshotIndex'?: (number | string | Long);
  'members'?: (_fleet_v1_MemberInfo)[];
  'progress'?: (_fleet_v1_FollowerProgress)[];
  'lastContactMs'?: (number | string | Long);
  'uptimeMs'?: (number | string | Long);
  'version'?: (string);
  'rssBytes'?: (number | string | Long);
  'snapshotsTaken'?: (number | string | Long);
  'elections'?: (number | string | Long);
  'autopilot'?: (_fleet_v1_AutopilotState | null);
  'storage'?: (string);
  'repair'?: (_fleet_v1_RepairState | null);
  'repairsCompleted'?: (number | string | Long);
  'clockOffsetMs'?: (number | string | Long);
  'applyStalledMs'?: (number | string | Long);
  'stuckAfterMs'?: (number | string | Long);
  'configIndex'?: (number | string | Long);
  'peerRefusals'?: (_fleet_v1_PeerRefusal)[];
  'backup'?: (_fleet_v1_BackupState | null);
  'zone'?: (string);
  'region'?: (string);
  'readReplica'?: (boolean);
  '_autopilot'?: "autopilot";
  '_clockOffsetMs'?: "clockOffsetMs";
  '_backup'?: "backup";
}

export interface MemberStatus__Output {
  'id': (string);
  'address': (string);
  'clusterName': (string);
  'role': (_fleet_v1_MemberRole__Output);
  'term': (number);
  'leaderId': (string);
  'leaderAddress': (string);
  'commitIndex': (number);
  'appliedIndex': (number);
  'lastIndex': (number);
  'snapshotIndex': (number);
  'members': (_fleet_v1_MemberInfo__Output)[];
  'progress': (_fleet_v1_FollowerProgress__Output)[];
  'lastContactMs': (number);
  'uptimeMs': (number);
  'version': (string);
  'rssBytes': (number);
  'snapshotsTaken': (number);
  'elections': (number);
  'autopilot'?: (_fleet_v1_AutopilotState__Output | null);
  'storage': (string);
  'repair': (_fleet_v1_RepairState__Output | null);
  'repairsCompleted': (number);
  'clockOffsetMs'?: (number);
  'applyStalledMs': (number);
  'stuckAfterMs': (number);
  'configIndex': (number);
  'peerRefusals': (_fleet_v1_PeerRefusal__Output)[];
  'backup'?: (_fleet_v1_BackupState__Output | null);
  'zone': (string);
  'region': (string);
  'readReplica': (boolean);
  '_autopilot'?: "autopilot";
  '_clockOffsetMs'?: "clockOffsetMs";
  '_backup'?: "backup";
}
