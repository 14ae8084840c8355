// Original file: proto/fleet/v1/client.proto


export interface MemberInfo {
  'id'?: (string);
  'address'?: (string);
  'voter'?: (boolean);
  'zone'?: (string);
  'region'?: (string);
  'readReplica'?: (boolean);
}

export interface MemberInfo__Output {
  'id': (string);
  'address': (string);
  'voter': (boolean);
  'zone': (string);
  'region': (string);
  'readReplica': (boolean);
}
