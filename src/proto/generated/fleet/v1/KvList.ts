// Original file: proto/fleet/v1/client.proto


export interface KvList {
  'prefix'?: (string);
  'after'?: (string);
  'limit'?: (number);
  'ns'?: (string);
  '_after'?: "after";
  '_limit'?: "limit";
}

export interface KvList__Output {
  'prefix': (string);
  'after'?: (string);
  'limit'?: (number);
  'ns': (string);
  '_after'?: "after";
  '_limit'?: "limit";
}
