// Original file: proto/fleet/v1/client.proto


export interface ClusterHeartbeat {
  'cluster'?: (string);
}

export interface ClusterHeartbeat__Output {
  'cluster': (string);
}
