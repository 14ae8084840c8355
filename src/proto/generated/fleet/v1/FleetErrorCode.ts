// Original file: proto/fleet/v1/client.proto

export const FleetErrorCode = {
  FLEET_ERROR_CODE_UNSPECIFIED: 'FLEET_ERROR_CODE_UNSPECIFIED',
  ALREADY_BOUND: 'ALREADY_BOUND',
  CAS_FAILED: 'CAS_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  DUPLICATE_STALE: 'DUPLICATE_STALE',
} as const;

export type FleetErrorCode =
  | 'FLEET_ERROR_CODE_UNSPECIFIED'
  | 0
  | 'ALREADY_BOUND'
  | 1
  | 'CAS_FAILED'
  | 2
  | 'NOT_FOUND'
  | 3
  | 'INVALID_ARGUMENT'
  | 4
  | 'FAILED_PRECONDITION'
  | 5
  | 'DUPLICATE_STALE'
  | 6

export type FleetErrorCode__Output = typeof FleetErrorCode[keyof typeof FleetErrorCode]
