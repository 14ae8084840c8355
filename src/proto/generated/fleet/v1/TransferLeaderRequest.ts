// Original file: proto/fleet/v1/admin.proto


export interface TransferLeaderRequest {
  'to'?: (string);
  '_to'?: "to";
}

export interface TransferLeaderRequest__Output {
  'to'?: (string);
  '_to'?: "to";
}
