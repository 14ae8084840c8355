// Original file: proto/fleet/v1/admin.proto


export interface PeerDelay {
  'peer'?: (string);
  'delayMs'?: (number);
  'jitterMs'?: (number);
  'loss'?: (number | string);
}

export interface PeerDelay__Output {
  'peer': (string);
  'delayMs': (number);
  'jitterMs': (number);
  'loss': (number);
}
