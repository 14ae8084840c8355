// Original file: proto/fleet/v1/client.proto


export interface MemberInfo {
  'id'?: (string);
  'address'?: (string);
  'voter'?: (boolean);
  'zone'?: (string);
  'region'?: (string);
  'readReplica'?: (boolean);
  'version'?: (string);
}

export interface MemberInfo__Output {
  'id': (string);
  'address': (string);
  'voter': (boolean);
  'zone': (string);
  'region': (string);
  'readReplica': (boolean);
  'version': (string);
}
