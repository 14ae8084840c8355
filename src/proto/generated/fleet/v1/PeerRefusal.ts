// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface PeerRefusal {
  'peer'?: (string);
  'byThisMember'?: (boolean);
  'reason'?: (string);
  'detail'?: (string);
  'agoMs'?: (number | string | Long);
}

export interface PeerRefusal__Output {
  'peer': (string);
  'byThisMember': (boolean);
  'reason': (string);
  'detail': (string);
  'agoMs': (number);
}
