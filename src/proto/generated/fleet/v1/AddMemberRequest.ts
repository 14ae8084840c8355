// Original file: proto/fleet/v1/admin.proto


export interface AddMemberRequest {
  'id'?: (string);
  'address'?: (string);
  'learner'?: (boolean);
}

export interface AddMemberRequest__Output {
  'id': (string);
  'address': (string);
  'learner': (boolean);
}
