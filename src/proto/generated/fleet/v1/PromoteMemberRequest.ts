// Original file: proto/fleet/v1/admin.proto


export interface PromoteMemberRequest {
  'id'?: (string);
}

export interface PromoteMemberRequest__Output {
  'id': (string);
}
