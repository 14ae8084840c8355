// Original file: proto/fleet/v1/client.proto


export interface GetShard {
  'id'?: (string);
}

export interface GetShard__Output {
  'id': (string);
}
