// Original file: proto/fleet/v1/client.proto


export interface SubmitRequest {
  'op'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
}

export interface SubmitRequest__Output {
  'op': (string);
  'payload': (Buffer);
}
