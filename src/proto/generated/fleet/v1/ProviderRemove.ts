// Original file: proto/fleet/v1/client.proto


export interface ProviderRemove {
  'name'?: (string);
}

export interface ProviderRemove__Output {
  'name': (string);
}
