// Original file: proto/fleet/v1/client.proto


export interface GetCluster {
  'name'?: (string);
}

export interface GetCluster__Output {
  'name': (string);
}
