/** Autopilot as operators read it: the settings (`fleet autopilot get|set`) and the line under `fleet status`. */
import type { AutopilotSettings } from '../client/index.js';
import type { AutopilotView, MemberVerdict } from '../ops/status.js';
import { formatDuration } from '../common/durations.js';
import type { Palette } from './colors.js';
import { renderFields } from './table.js';

const onOff = (on: boolean, p: Palette) => (on ? p.ok('on') : p.dim('off'));

/** The settings, one per line, named as `fleet autopilot set` names their flags. */
export function renderAutopilotSettings(s: AutopilotSettings, problem: string | null, p: Palette): string {
  const fields: [string, string][] = [
    ['promote-learners', onOff(s.autoPromoteLearners, p)],
    ['cleanup-dead', onOff(s.cleanupDeadMembers, p)],
    ['dead-after', formatDuration(s.deadAfterMs)],
    ['last-contact-threshold', formatDuration(s.lastContactThresholdMs)],
    ['max-trailing', String(s.maxTrailingEntries)],
    ['min-quorum', String(s.minQuorum)],
    ['stabilization', formatDuration(s.stabilizationMs)],
    ['preferred-region', s.preferredRegion === '' ? p.dim('none') : s.preferredRegion],
  ];
  const text = renderFields(fields, p);
  return problem === null ? text : `${text}\n${p.warn(`warning: ${problem}`)}`;
}

/** One line for `fleet status`: what autopilot may do, who is dead, and what it holds back. */
export function renderAutopilotLine(a: AutopilotView, p: Palette): string {
  const s = a.settings;
  const parts = [
    `promote learners ${onOff(s.autoPromoteLearners, p)}`,
    `cleanup dead ${onOff(s.cleanupDeadMembers, p)} (after ${formatDuration(s.deadAfterMs)}, min quorum ${s.minQuorum})`,
    a.dead.length === 0 ? null : p.bad(`dead: ${a.dead.join(', ')}`),
  ].filter((x): x is string => x !== null);
  const lines = [`${p.dim('autopilot:')} ${parts.join(p.dim(' · '))}`];
  if (a.settingsProblem !== null) lines.push(p.warn(`  ${a.settingsProblem}`));
  for (const held of a.held) lines.push(p.dim(`  held: ${held}`));
  if (a.lastAction !== null) lines.push(p.dim(`  last action: ${a.lastAction}`));
  return lines.join('\n');
}

/** A member's verdict in one word, for a table cell. */
export function verdictWord(v: MemberVerdict | undefined, p: Palette): string {
  if (v === undefined) return p.dim('-');
  if (v.dead) return p.bad('dead');
  if (v.stable) return p.ok('stable');
  return v.healthy ? 'healthy' : p.warn('unhealthy');
}
