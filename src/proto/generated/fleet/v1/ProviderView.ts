// Original file: proto/fleet/v1/client.proto


export interface ProviderView {
  'name'?: (string);
  'kind'?: (string);
  'regions'?: (string)[];
  'endpoint'?: (string);
}

export interface ProviderView__Output {
  'name': (string);
  'kind': (string);
  'regions': (string)[];
  'endpoint': (string);
}
