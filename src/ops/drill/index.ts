/**
 * Failover drills (`fleet drill …`) as services: no oclif and no flags here. Commands build a
 * DrillOptions and a DrillTarget, call `connectDrill` and `runDrill`, and render the report.
 */
export { runDrill, preflight, SCENARIOS, type DrillDeps, type DrillResult } from './engine.js';
export { connectDrill, type DrillConnection, type DrillTarget, type DrillWorkload } from './connect.js';
export { exitCodeOf, verdictOf, summaryOf, sloChecks } from './report/report.js';
export { drillAuditTrail, type DrillAuditTrail, type DrillRecorder } from './audit-trail.js';
export { parsePids } from './member-processes.js';
export type { FaultInjector, FaultAction } from './injector.js';
export type { ClusterProbe, MemberRef } from './steady-state.js';
export type { RegisterClient, RegisterValue } from './register-client.js';
export * from './types.js';
