// Original file: proto/fleet/v1/client.proto


export interface ProviderAdd {
  'name'?: (string);
  'kind'?: (string);
  'regions'?: (string)[];
  'endpoint'?: (string);
}

export interface ProviderAdd__Output {
  'name': (string);
  'kind': (string);
  'regions': (string)[];
  'endpoint': (string);
}
