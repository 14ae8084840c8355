// Original file: proto/fleet/v1/client.proto


export interface KvDelete {
  'key'?: (string);
  'ns'?: (string);
}

export interface KvDelete__Output {
  'key': (string);
  'ns': (string);
}
