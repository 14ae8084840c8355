// Original file: proto/fleet/v1/client.proto


export interface ClusterContact {
  'cluster'?: (string);
  'shard'?: (string);
}

export interface ClusterContact__Output {
  'cluster': (string);
  'shard': (string);
}
