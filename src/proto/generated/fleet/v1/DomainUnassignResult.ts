// Original file: proto/fleet/v1/client.proto


export interface DomainUnassignResult {
  'key'?: (string);
  'value'?: (string);
  'shard'?: (string);
}

export interface DomainUnassignResult__Output {
  'key': (string);
  'value': (string);
  'shard': (string);
}
