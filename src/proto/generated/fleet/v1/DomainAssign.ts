// Original file: proto/fleet/v1/client.proto


export interface DomainAssign {
  'key'?: (string);
  'value'?: (string);
  'shard'?: (string);
}

export interface DomainAssign__Output {
  'key': (string);
  'value': (string);
  'shard': (string);
}
