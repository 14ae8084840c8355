// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface SubmitResponse {
  'index'?: (number | string | Long);
  'resultJson'?: (string);
}

export interface SubmitResponse__Output {
  'index': (number);
  'resultJson': (string);
}
