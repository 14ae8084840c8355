// Original file: proto/fleet/v1/client.proto


export interface RebindMove {
  'cluster'?: (string);
  'from'?: (string);
  'to'?: (string);
  '_from'?: "from";
}

export interface RebindMove__Output {
  'cluster': (string);
  'from'?: (string);
  'to': (string);
  '_from'?: "from";
}
