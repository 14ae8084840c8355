/** Handler of `plan.progress`: the latest report per plan, so a running rebind plan shows in status. */
import { LIMITS } from '../limits.js';
import type { PlanView } from '../types.js';
import { ok, type Handler } from './outcome.js';

/** Keeps the latest report of a plan; beyond the limit the least recently updated plan is forgotten. */
export const planProgress: Handler<'plan.progress'> = (s, op, ctx) => {
  const previous = s.plans.get(op.planId);
  const plan: PlanView = Object.freeze({
    planId: op.planId,
    startedBy: op.startedBy,
    done: op.done,
    total: op.total,
    state: op.state,
    startedAt: previous?.startedAt ?? ctx.time,
    updatedAt: ctx.time,
    updatedAtIndex: ctx.index,
  });
  // Delete then set moves the plan to the end: the map stays in least-recently-updated order.
  s.plans.delete(op.planId);
  if (s.plans.size >= LIMITS.maxPlans) s.plans.delete(s.plans.keys().next().value!);
  s.plans.set(op.planId, plan);
  return ok({ plan });
};

/** Handler of `audit.record`: the state machine writes the audit entry (as for every audited write); nothing else changes. */
export const auditRecord: Handler<'audit.record'> = (_s, op) => ok({ op: op.op });
