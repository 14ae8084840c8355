/**
 * A round's timeline (pure): when the fault struck, when it was repaired, when the survivors
 * had a new leader and when the faulted member had caught up — what the report's charts mark.
 * Derived from what the scenario measured, so no scenario has to report it twice.
 */
import { nsToMs } from '../clock.js';
import type { FaultOutcome } from '../scenarios/scenario.js';
import type { DrillName, RoundMark } from '../types.js';

/** What a drill's fault and repair are called on the chart. */
const VERBS: Readonly<Record<DrillName, readonly [string, string]>> = {
  'kill-leader': ['kill', 'restart'],
  'kill-follower': ['kill', 'restart'],
  'pause-leader': ['pause', 'resume'],
  partition: ['isolate', 'heal'],
  'rolling-restart': ['restart', 'restart'],
  upgrade: ['upgrade', 'upgrade'],
  wan: ['kill', 'restart'],
  chaos: ['fault', 'repair'],
};

/** The marks of one round, in time order. */
export function roundMarks(drill: DrillName, outcome: FaultOutcome): RoundMark[] {
  const [faultVerb, repairVerb] = VERBS[drill];
  const [fault, ...rest] = outcome.disturbances;
  if (fault === undefined) return [];
  const marks: RoundMark[] = [];
  if (drill === 'chaos') {
    // Many faults: each disturbance names itself.
    for (const d of outcome.disturbances) marks.push({ atMs: nsToMs(d.atNs), kind: d.repair === true ? 'repair' : 'fault', label: d.label ?? faultVerb });
  } else if (drill === 'rolling-restart' || drill === 'upgrade') {
    // Every member in turn is the fault; the order is the target's.
    const order = outcome.target.split(',');
    outcome.disturbances.forEach((d, i) => marks.push({ atMs: nsToMs(d.atNs), kind: 'fault', label: `${faultVerb} ${order[i] ?? '?'}` }));
  } else {
    marks.push({ atMs: nsToMs(fault.atNs), kind: 'fault', label: `${faultVerb} ${outcome.target}` });
    for (const d of rest) marks.push({ atMs: nsToMs(d.atNs), kind: 'repair', label: `${repairVerb} ${outcome.target}` });
    // Kill, pause and partition time the catch-up from the repair (the restart, resume or heal).
    const repair = rest[0];
    if (repair !== undefined && outcome.catchupMs !== null) marks.push({ atMs: round1(nsToMs(repair.atNs) + outcome.catchupMs), kind: 'caught-up', label: `${outcome.target} caught up` });
  }
  // The election is timed from the fault that took the leader away (in a rolling restart, the last one).
  const lost = outcome.disturbances.find((d) => d.hitsLeader) ?? fault;
  if (outcome.newLeader !== null && outcome.newLeaderMs !== null) marks.push({ atMs: round1(nsToMs(lost.atNs) + outcome.newLeaderMs), kind: 'new-leader', label: `${outcome.newLeader} leads` });
  return marks.sort((a, b) => a.atMs - b.atMs);
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
