/**
 * The safety gate's preview for people: the change, the voters before / after (and during a
 * drill's fault), the members involved, the steps, the records touched, and the verdict.
 */
import type { ChangePreview, InvolvedMember, PreviewDocument, QuorumShape } from '../ops/safety/gate.js';
import type { Palette } from './colors.js';
import { renderTable } from './table.js';

/** The whole preview, ending with the verdict line. */
export function renderPreview(doc: PreviewDocument, p: Palette): string {
  const parts = [`${p.bold('change:')} ${doc.change}`, renderShapes(doc, p)];
  if (doc.members.length > 0) parts.push(renderMembers(doc.members, p));
  const lines: string[] = [];
  if (doc.steps.length > 0) lines.push(`${p.bold('steps:')} ${doc.steps.map((s, i) => `${i + 1}. ${s}`).join('  ')}`);
  if (doc.records !== undefined) lines.push(`${p.bold('records:')} ${recordsLine(doc)}`);
  for (const n of doc.notes) lines.push(`${p.dim('note:')} ${n}`);
  lines.push(verdictLine(doc, p));
  parts.push(lines.join('\n'));
  return parts.join('\n\n');
}

function recordsLine(doc: ChangePreview): string {
  const r = doc.records!;
  const more = r.count > r.sample.length ? `, … ${r.count - r.sample.length} more` : '';
  return `${r.action} ${r.count} ${r.what}${r.sample.length > 0 ? ` (${r.sample.join(', ')}${more})` : ''}`;
}

function verdictLine(doc: PreviewDocument, p: Palette): string {
  const label = p.bold('verdict:');
  if (doc.verdict === 'refuse') return `${label} ${p.bad(doc.dryRun ? 'would be refused' : 'refused')}: ${doc.reason ?? ''}`;
  const forced = doc.overridden.length > 0 ? p.warn(` (forced past: ${doc.overridden.join('; ')})`) : '';
  return `${label} ${p.ok(doc.dryRun ? 'would proceed' : 'proceeds')}${forced}`;
}

/** The before / (during) / after table of the voters' side. */
function renderShapes(doc: ChangePreview, p: Palette): string {
  const shapes: [string, QuorumShape][] = [['before', doc.before], ...(doc.during ? ([['during the fault', doc.during]] as [string, QuorumShape][]) : []), ['after', doc.after]];
  const ids = (xs: readonly string[]) => (xs.length === 0 ? '-' : `${xs.length} (${xs.join(' ')})`);
  const canLose = (s: QuorumShape) => {
    const text = String(s.canLose);
    if (s.healthyVoters < s.quorum) return p.bad(`${text}: no quorum`);
    return s.canLose === 0 ? p.warn(text) : p.ok(text);
  };
  const rows: [string, (s: QuorumShape) => string][] = [
    ['voters', (s) => ids(s.voters)],
    ['learners', (s) => ids(s.learners)],
    ['leader', (s) => s.leader ?? p.dim('none')],
    ['quorum', (s) => String(s.quorum)],
    ['healthy voters', (s) => String(s.healthyVoters)],
    ['can lose', canLose],
  ];
  return renderTable([{ header: '' }, ...shapes.map(([h]) => ({ header: h }))], rows.map(([label, f]) => [label, ...shapes.map(([, s]) => f(s))]), p);
}

const MEMBER_COLUMNS = [{ header: 'member' }, { header: 'part' }, { header: 'address' }, { header: 'reachable' }, { header: 'lag', align: 'right' }, { header: 'caught up' }, { header: 'problem' }] as const;

function renderMembers(members: readonly InvolvedMember[], p: Palette): string {
  const yesNo = (b: boolean) => (b ? p.ok('yes') : p.bad('no'));
  return renderTable(
    MEMBER_COLUMNS,
    members.map((m) => [m.id, m.part, m.address ?? p.dim('-'), yesNo(m.reachable), m.lag === null ? p.dim('-') : String(m.lag), m.part === 'joining' && m.lag === null ? p.dim('not yet') : yesNo(m.caughtUp), m.problem ?? '']),
    p,
  );
}
