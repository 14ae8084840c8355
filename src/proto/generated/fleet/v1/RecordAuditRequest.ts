// Original file: proto/fleet/v1/admin.proto


export interface RecordAuditRequest {
  'op'?: (string);
  'argsJson'?: (string);
  'outcome'?: (string);
  'member'?: (string);
}

export interface RecordAuditRequest__Output {
  'op': (string);
  'argsJson': (string);
  'outcome': (string);
  'member': (string);
}
