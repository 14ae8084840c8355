// Original file: proto/fleet/v1/client.proto


export interface ListDomains {
  'shard'?: (string);
  '_shard'?: "shard";
}

export interface ListDomains__Output {
  'shard'?: (string);
  '_shard'?: "shard";
}
