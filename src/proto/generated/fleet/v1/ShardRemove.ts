// Original file: proto/fleet/v1/client.proto


export interface ShardRemove {
  'id'?: (string);
  'force'?: (boolean);
}

export interface ShardRemove__Output {
  'id': (string);
  'force': (boolean);
}
