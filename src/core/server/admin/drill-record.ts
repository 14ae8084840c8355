/**
 * Admin.RecordDrill: a drill's start and end as audit entries. The CLI running the drill sends
 * them through the leader, because the member under fault (often the leader itself, killed or
 * paused) cannot be relied on to record anything.
 */
import type * as wire from '../../../proto/index.js';
import { LIMITS } from '../../fleet/index.js';
import type { AuthOptions } from '../guard/auth.js';
import { WireError } from '../wire.js';

/** A drill record as it goes into the audit log. */
export interface DrillAudit {
  /** `drill.start` or `drill.end`. */
  readonly op: string;
  /** The drill's kind and the arguments the CLI sent. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly outcome: string;
}

const PHASES = ['start', 'end'] as const;
/** A drill's name as the CLI spells them (kill-leader, partition, …): the member need not know the list. */
const KIND = /^[a-z][a-z0-9-]{0,63}$/;

/** A JSON object of arguments (empty: none); WireError otherwise. */
export function argsOf(json: string): Record<string, unknown> {
  if (json === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new WireError('args_json: not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WireError('args_json: must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Checks a RecordDrill request and answers its audit entry. Refuses a record that carries one of
 * the member's tokens: the log is read by every admin, and a token must never be in it.
 */
export function drillAuditOf(req: wire.RecordDrillRequest__Output, auth: AuthOptions): DrillAudit {
  const phase = PHASES.find((p) => p === req.phase);
  if (phase === undefined) throw new WireError(`phase: must be start or end, not '${req.phase.slice(0, 20)}'`);
  if (!KIND.test(req.kind)) throw new WireError('kind: a drill name is required (e.g. kill-leader)');
  if (req.argsJson.length > LIMITS.maxAuditText) throw new WireError(`args_json: longer than ${LIMITS.maxAuditText} characters`);
  if (req.outcome.length > LIMITS.maxAuditText) throw new WireError(`outcome: longer than ${LIMITS.maxAuditText} characters`);
  if (phase === 'end' && req.outcome === '') throw new WireError('outcome: required at the end of a drill');
  for (const token of [auth.token, auth.adminToken]) {
    if (token !== undefined && (req.argsJson.includes(token) || req.outcome.includes(token))) throw new WireError('args_json: contains a token; a drill record never carries credentials');
  }
  const args = { ...argsOf(req.argsJson), kind: req.kind };
  return { op: `drill.${phase}`, args, outcome: phase === 'start' ? 'started' : req.outcome };
}
