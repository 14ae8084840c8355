// Original file: proto/fleet/v1/client.proto

export const PlanState = {
  PLAN_STATE_UNSPECIFIED: 'PLAN_STATE_UNSPECIFIED',
  PLAN_STATE_RUNNING: 'PLAN_STATE_RUNNING',
  PLAN_STATE_PAUSED: 'PLAN_STATE_PAUSED',
  PLAN_STATE_COMPLETED: 'PLAN_STATE_COMPLETED',
  PLAN_STATE_FAILED: 'PLAN_STATE_FAILED',
  PLAN_STATE_ABORTED: 'PLAN_STATE_ABORTED',
} as const;

export type PlanState =
  | 'PLAN_STATE_UNSPECIFIED'
  | 0
  | 'PLAN_STATE_RUNNING'
  | 1
  | 'PLAN_STATE_PAUSED'
  | 2
  | 'PLAN_STATE_COMPLETED'
  | 3
  | 'PLAN_STATE_FAILED'
  | 4
  | 'PLAN_STATE_ABORTED'
  | 5

export type PlanState__Output = typeof PlanState[keyof typeof PlanState]
