/**
 * From rounds to a verdict (pure): the SLO checks of a round, the summary figures, the verdict
 * and its exit code. Safety outranks everything: one lost write makes a drill `unsafe` however
 * fast the failover was.
 */
import { summarize } from '../measure.js';
import type { AbortInfo, CheckResult, DrillReport, DrillSlo, RoundReport, Verdict, Violation } from '../types.js';

/** The exit code of a verdict (DESIGN.md): 0 pass, 5 SLO missed or steady state not reached, 6 unsafe. */
export function exitCodeOf(verdict: Verdict): 0 | 5 | 6 {
  if (verdict === 'unsafe') return 6;
  return verdict === 'pass' ? 0 : 5;
}

/** The SLO checks of a round from its figures. */
export function sloChecks(r: Pick<RoundReport, 'unavailableMs' | 'windows' | 'newLeaderMs'>, expectNewLeader: boolean, slo: DrillSlo): CheckResult[] {
  const open = r.windows.some((w) => w.unrecovered);
  const checks: CheckResult[] = [
    {
      name: 'slo-unavailable',
      ok: !open && r.unavailableMs <= slo.unavailableMs,
      detail: open ? 'writes were still unavailable when the round ended' : `longest unavailability ${r.unavailableMs} ms (SLO ${slo.unavailableMs} ms)`,
      severity: 'slo',
    },
  ];
  if (expectNewLeader || r.newLeaderMs !== null) {
    const ok = r.newLeaderMs !== null && r.newLeaderMs <= slo.newLeaderMs;
    checks.push({ name: 'slo-new-leader', ok, detail: r.newLeaderMs === null ? 'no new leader was seen' : `new leader after ${r.newLeaderMs} ms (SLO ${slo.newLeaderMs} ms)`, severity: 'slo' });
  }
  return checks;
}

/** The summary figures over the rounds. */
export function summaryOf(rounds: readonly RoundReport[]): DrillReport['summary'] {
  return {
    unavailableMs: summarize(rounds.map((r) => r.unavailableMs)),
    newLeaderMs: summarize(rounds.map((r) => r.newLeaderMs)),
    catchupMs: summarize(rounds.map((r) => r.catchupMs)),
  };
}

/** The verdict and a one-line reason. */
export function verdictOf(rounds: readonly RoundReport[], violations: readonly Violation[], aborted: AbortInfo | null): { verdict: Verdict; reason: string } {
  const unsafeChecks = rounds.flatMap((r) => r.checks.filter((c) => !c.ok && c.severity === 'safety').map((c) => ({ round: r.round, c })));
  if (violations.length > 0 || unsafeChecks.length > 0) {
    const first = violations[0];
    const what = first ? `round ${first.round}: ${first.message}` : `round ${unsafeChecks[0]!.round}: ${unsafeChecks[0]!.c.detail}`;
    return { verdict: 'unsafe', reason: `safety violation — ${what}` };
  }
  if (aborted !== null) return { verdict: 'aborted', reason: `aborted in round ${aborted.round}: ${aborted.check} — ${aborted.message}` };
  const missed = rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => ({ round: r.round, c })));
  if (missed.length > 0) return { verdict: 'slo-missed', reason: `round ${missed[0]!.round}: ${missed[0]!.c.name} — ${missed[0]!.c.detail}${missed.length > 1 ? ` (and ${missed.length - 1} more)` : ''}` };
  const n = rounds.length;
  return { verdict: 'pass', reason: `${n} round${n === 1 ? '' : 's'}: nothing lost, nothing applied twice, history linearizable, every SLO met` };
}

/** Whether the whole history is linearizable: false if any round is not, null if any is undecided. */
export function linearizableOf(rounds: readonly RoundReport[]): boolean | null {
  if (rounds.length === 0) return null;
  if (rounds.some((r) => r.linearizable === false)) return false;
  return rounds.some((r) => r.linearizable === null) ? null : true;
}
