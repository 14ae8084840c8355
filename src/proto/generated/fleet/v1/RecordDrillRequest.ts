// Original file: proto/fleet/v1/admin.proto


export interface RecordDrillRequest {
  'phase'?: (string);
  'kind'?: (string);
  'argsJson'?: (string);
  'outcome'?: (string);
}

export interface RecordDrillRequest__Output {
  'phase': (string);
  'kind': (string);
  'argsJson': (string);
  'outcome': (string);
}
