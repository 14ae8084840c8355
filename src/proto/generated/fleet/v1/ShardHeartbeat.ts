// Original file: proto/fleet/v1/client.proto


export interface ShardHeartbeat {
  'id'?: (string);
}

export interface ShardHeartbeat__Output {
  'id': (string);
}
