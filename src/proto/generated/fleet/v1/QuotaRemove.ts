// Original file: proto/fleet/v1/client.proto


export interface QuotaRemove {
  'provider'?: (string);
  'region'?: (string);
}

export interface QuotaRemove__Output {
  'provider': (string);
  'region': (string);
}
