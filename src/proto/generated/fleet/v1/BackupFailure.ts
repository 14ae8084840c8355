// Original file: proto/fleet/v1/client.proto


export interface BackupFailure {
  'at'?: (string);
  'message'?: (string);
}

export interface BackupFailure__Output {
  'at': (string);
  'message': (string);
}
