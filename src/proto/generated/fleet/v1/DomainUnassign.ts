// Original file: proto/fleet/v1/client.proto


export interface DomainUnassign {
  'key'?: (string);
  'value'?: (string);
}

export interface DomainUnassign__Output {
  'key': (string);
  'value': (string);
}
