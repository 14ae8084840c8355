// Original file: proto/fleet/v1/admin.proto

export const DrillKind = {
  DRILL_KIND_UNSPECIFIED: 'DRILL_KIND_UNSPECIFIED',
  DRILL_KIND_KILL: 'DRILL_KIND_KILL',
  DRILL_KIND_PAUSE: 'DRILL_KIND_PAUSE',
  DRILL_KIND_PARTITION: 'DRILL_KIND_PARTITION',
  DRILL_KIND_HEAL: 'DRILL_KIND_HEAL',
  DRILL_KIND_DELAY: 'DRILL_KIND_DELAY',
} as const;

export type DrillKind =
  | 'DRILL_KIND_UNSPECIFIED'
  | 0
  | 'DRILL_KIND_KILL'
  | 1
  | 'DRILL_KIND_PAUSE'
  | 2
  | 'DRILL_KIND_PARTITION'
  | 3
  | 'DRILL_KIND_HEAL'
  | 4
  | 'DRILL_KIND_DELAY'
  | 5

export type DrillKind__Output = typeof DrillKind[keyof typeof DrillKind]
