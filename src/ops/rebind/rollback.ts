/**
 * Rollback plans: every plan's exact inverse, pinned to the state the plan leaves behind. Apply
 * writes it next to the plan before the first move, so an interrupted or regretted apply can
 * always be undone with `fleet rebind plan apply PLAN.rollback.yaml`.
 */
import { access, readFile } from 'node:fs/promises';
import { CliError, EXIT } from '../../common/errors.js';
import { digestAfterMoves } from './digest.js';
import { formatOf, parsePlan, rollbackPathOf, toName, writePlanFile } from './plan-file.js';
import { PLAN_API_VERSION, type RebindPlan } from './types.js';

/** The inverse of `plan`: each move reversed, pinned to the bindings after the whole plan. */
export function rollbackOf(plan: RebindPlan, createdBy: string, now: Date): RebindPlan {
  const covered = new Set(plan.source.shards);
  const bound: Record<string, number> = { ...plan.source.bound };
  for (const m of plan.moves) {
    bound[m.from] = (bound[m.from] ?? 0) - 1;
    bound[m.to] = (bound[m.to] ?? 0) + 1;
  }
  const digest = digestAfterMoves(plan.source.digest, covered, plan.moves);
  return {
    apiVersion: PLAN_API_VERSION,
    kind: 'RebindPlan',
    id: toName(`${plan.id.slice(0, 240)}-rollback`),
    createdAt: now.toISOString(),
    createdBy,
    strategy: { kind: 'rollback', of: plan.id },
    source: { appliedIndex: null, digest, shards: plan.source.shards, clusters: Number(digest.split(':')[1]), bound },
    moves: plan.moves.map((m) => ({ cluster: m.cluster, from: m.to, to: m.from })),
  };
}

/**
 * Makes sure the rollback of `plan` sits next to `planPath`: writes it, or keeps the one an
 * earlier run wrote. Refuses to replace a file that is something else (the rollback of another
 * plan may be the only way back from it). Returns its path.
 */
export async function ensureRollbackFile(planPath: string, plan: RebindPlan, createdBy: string, now: Date): Promise<string> {
  const path = rollbackPathOf(planPath);
  const existing = await readExisting(path);
  if (existing !== undefined) {
    if (existing.strategy.kind === 'rollback' && existing.strategy.of === plan.id) return path;
    const what = existing.strategy.kind === 'rollback' ? `the rollback of plan ${JSON.stringify(existing.strategy.of)}` : `plan ${JSON.stringify(existing.id)}`;
    throw new CliError(`${path} already exists and is ${what}, not the rollback of ${JSON.stringify(plan.id)}; refusing to overwrite it`, {
      exitCode: EXIT.precondition,
      hint: 'move it away (it may be the only way back from an earlier apply), then re-run',
    });
  }
  await writePlanFile(path, rollbackOf(plan, createdBy, now));
  return path;
}

async function readExisting(path: string): Promise<RebindPlan | undefined> {
  try {
    await access(path);
  } catch {
    return undefined;
  }
  try {
    return parsePlan(await readFile(path, 'utf8'), formatOf(path), path);
  } catch (err) {
    throw new CliError(`${path} already exists and is not a valid plan; refusing to overwrite it`, { exitCode: EXIT.precondition, hint: 'move it away, then re-run', cause: err });
  }
}
