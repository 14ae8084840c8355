// Original file: proto/fleet/v1/client.proto


export interface KvPut {
  'key'?: (string);
  'value'?: (string);
  'ns'?: (string);
}

export interface KvPut__Output {
  'key': (string);
  'value': (string);
  'ns': (string);
}
