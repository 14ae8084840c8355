// Original file: proto/fleet/v1/client.proto


export interface KvCas {
  'key'?: (string);
  'expected'?: (string);
  'value'?: (string);
  'ns'?: (string);
  '_expected'?: "expected";
}

export interface KvCas__Output {
  'key': (string);
  'expected'?: (string);
  'value': (string);
  'ns': (string);
  '_expected'?: "expected";
}
