// Original file: proto/fleet/v1/client.proto


export interface KvGet {
  'key'?: (string);
  'ns'?: (string);
}

export interface KvGet__Output {
  'key': (string);
  'ns': (string);
}
