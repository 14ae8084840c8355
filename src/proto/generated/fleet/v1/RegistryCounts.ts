// Original file: proto/fleet/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface RegistryCounts {
  'appliedIndex'?: (number | string | Long);
  'clock'?: (number | string | Long);
  'shards'?: (number | string | Long);
  'clusters'?: (number | string | Long);
  'boundClusters'?: (number | string | Long);
  'unboundClusters'?: (number | string | Long);
  'domains'?: (number | string | Long);
  'quotas'?: (number | string | Long);
  'providers'?: (number | string | Long);
  'leases'?: (number | string | Long);
  'kvKeys'?: (number | string | Long);
  'kvRevision'?: (number | string | Long);
  'sessions'?: (number | string | Long);
  'plans'?: (number | string | Long);
}

export interface RegistryCounts__Output {
  'appliedIndex': (number);
  'clock': (number);
  'shards': (number);
  'clusters': (number);
  'boundClusters': (number);
  'unboundClusters': (number);
  'domains': (number);
  'quotas': (number);
  'providers': (number);
  'leases': (number);
  'kvKeys': (number);
  'kvRevision': (number);
  'sessions': (number);
  'plans': (number);
}
