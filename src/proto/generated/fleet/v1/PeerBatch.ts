// Original file: proto/fleet/v1/peer.proto

import type { RaftMessage as _fleet_v1_RaftMessage, RaftMessage__Output as _fleet_v1_RaftMessage__Output } from '../../fleet/v1/RaftMessage.js';

export interface PeerBatch {
  'cluster'?: (string);
  'from'?: (string);
  'messages'?: (_fleet_v1_RaftMessage)[];
  'fromAddress'?: (string);
  'clusterId'?: (string);
  'fromZone'?: (string);
  'fromRegion'?: (string);
  'fromReadReplica'?: (boolean);
  'fromVersion'?: (string);
  'fromDataFormat'?: (number);
  'fromFramed'?: (boolean);
}

export interface PeerBatch__Output {
  'cluster': (string);
  'from': (string);
  'messages': (_fleet_v1_RaftMessage__Output)[];
  'fromAddress': (string);
  'clusterId': (string);
  'fromZone': (string);
  'fromRegion': (string);
  'fromReadReplica': (boolean);
  'fromVersion': (string);
  'fromDataFormat': (number);
  'fromFramed': (boolean);
}
