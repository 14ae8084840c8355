// Original file: proto/fleet/v1/client.proto


export interface RepairState {
  'file'?: (string);
  'reason'?: (string);
  'since'?: (string);
}

export interface RepairState__Output {
  'file': (string);
  'reason': (string);
  'since': (string);
}
