// Original file: proto/fleet/v1/client.proto

import type { BackupTaken as _fleet_v1_BackupTaken, BackupTaken__Output as _fleet_v1_BackupTaken__Output } from '../../fleet/v1/BackupTaken.js';
import type { BackupFailure as _fleet_v1_BackupFailure, BackupFailure__Output as _fleet_v1_BackupFailure__Output } from '../../fleet/v1/BackupFailure.js';
import type { Long } from '@grpc/proto-loader';

export interface BackupState {
  'dir'?: (string);
  'everyMs'?: (number | string | Long);
  'keep'?: (number);
  'taken'?: (number | string | Long);
  'failures'?: (number | string | Long);
  'lastOk'?: (_fleet_v1_BackupTaken | null);
  'lastError'?: (_fleet_v1_BackupFailure | null);
  '_lastOk'?: "lastOk";
  '_lastError'?: "lastError";
}

export interface BackupState__Output {
  'dir': (string);
  'everyMs': (number);
  'keep': (number);
  'taken': (number);
  'failures': (number);
  'lastOk'?: (_fleet_v1_BackupTaken__Output | null);
  'lastError'?: (_fleet_v1_BackupFailure__Output | null);
  '_lastOk'?: "lastOk";
  '_lastError'?: "lastError";
}
