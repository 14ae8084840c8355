// Original file: proto/fleet/v1/client.proto

export const ShardState = {
  SHARD_STATE_UNSPECIFIED: 'SHARD_STATE_UNSPECIFIED',
  SHARD_STATE_ACTIVE: 'SHARD_STATE_ACTIVE',
  SHARD_STATE_DRAINING: 'SHARD_STATE_DRAINING',
  SHARD_STATE_CORDONED: 'SHARD_STATE_CORDONED',
} as const;

export type ShardState =
  | 'SHARD_STATE_UNSPECIFIED'
  | 0
  | 'SHARD_STATE_ACTIVE'
  | 1
  | 'SHARD_STATE_DRAINING'
  | 2
  | 'SHARD_STATE_CORDONED'
  | 3

export type ShardState__Output = typeof ShardState[keyof typeof ShardState]
