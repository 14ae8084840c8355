// Original file: proto/fleet/v1/client.proto


export interface ProviderRemoveResult {
  'name'?: (string);
}

export interface ProviderRemoveResult__Output {
  'name': (string);
}
