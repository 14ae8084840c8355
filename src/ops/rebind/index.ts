/** Rebind workflows: generate, check, apply and verify plans of cluster moves between shards. */
export { generatePlan, type DrainRequest, type RebalanceRequest, type GenerateOptions, type PlannerSource } from './planner.js';
export { checkPlan, judge, MAX_LISTED, type CheckReport, type Problem, type ProblemKind, type ShardRow, type Drift, type CheckOptions } from './checker.js';
export { applyPlan, cutBatches, type ApplyOptions, type ApplyReport, type BatchEvent, type OnConflict } from './applier.js';
export { verifyPlan, type VerifyReport, type Unverified } from './verifier.js';
export { rollbackOf, ensureRollbackFile } from './rollback.js';
export { readPlanFile, parsePlan, formatPlan, writePlanFile, rollbackPathOf, formatOf, operatorName, toName, PLAN_SCHEMA_URL, type PlanFormat } from './plan-file.js';
export { globFilter, listFilter, ALL_CLUSTERS, type ClusterFilter } from './select.js';
export { BindingDigest, digestAfterMoves } from './digest.js';
export { locate, moveStates, type LiveState } from './locate.js';
export { rebindOne, type RebindOneResult } from './one.js';
export * from './types.js';
