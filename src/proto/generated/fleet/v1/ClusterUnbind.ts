// Original file: proto/fleet/v1/client.proto


export interface ClusterUnbind {
  'cluster'?: (string);
}

export interface ClusterUnbind__Output {
  'cluster': (string);
}
