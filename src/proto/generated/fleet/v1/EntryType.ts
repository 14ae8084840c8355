// Original file: proto/fleet/v1/peer.proto

export const EntryType = {
  ENTRY_TYPE_NORMAL: 'ENTRY_TYPE_NORMAL',
  ENTRY_TYPE_CONF_CHANGE: 'ENTRY_TYPE_CONF_CHANGE',
  ENTRY_TYPE_NOOP: 'ENTRY_TYPE_NOOP',
} as const;

export type EntryType =
  | 'ENTRY_TYPE_NORMAL'
  | 0
  | 'ENTRY_TYPE_CONF_CHANGE'
  | 1
  | 'ENTRY_TYPE_NOOP'
  | 2

export type EntryType__Output = typeof EntryType[keyof typeof EntryType]
