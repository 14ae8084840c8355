// Original file: proto/fleet/v1/client.proto


export interface QuotaRemoveResult {
  'provider'?: (string);
  'region'?: (string);
}

export interface QuotaRemoveResult__Output {
  'provider': (string);
  'region': (string);
}
