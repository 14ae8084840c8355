// Original file: proto/fleet/v1/client.proto


export interface ClusterRebind {
  'cluster'?: (string);
  'from'?: (string);
  'to'?: (string);
  'force'?: (boolean);
  '_from'?: "from";
}

export interface ClusterRebind__Output {
  'cluster': (string);
  'from'?: (string);
  'to': (string);
  'force': (boolean);
  '_from'?: "from";
}
