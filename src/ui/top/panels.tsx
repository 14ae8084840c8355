/**
 * The lower half of the screen: the commit-rate sparkline, the events timeline (newest first,
 * scrollable, kept for the session) and the registry panel (shards against capacity, plans in
 * progress, unbound and stale clusters; filterable).
 */
import { Box } from 'ink';
import type { PlanView, ShardView } from '../../client/index.js';
import type { RegistryPanel, TopEvent, TopEventKind, TopState } from '../../ops/top/model.js';
import { formatRate } from '../../common/units.js';
import { bar, cell, clock, count, duration, seg, shortDuration, sparkline, widthOf, type Seg, type Segs, type Tone } from './format.js';
import { Line } from './theme.js';

/** The sparkline row: label, the newest rates that fit, the latest and the highest. */
export function sparklineLine(s: TopState, width: number): Segs {
  const rates = s.rates;
  const latest = rates.length === 0 ? null : rates[rates.length - 1]!;
  const max = Math.max(0, ...rates);
  const label = seg('commits/s ', 'dim');
  const tail = seg(latest === null ? '  waiting for two polls' : `  now ${formatRate(latest)} · max ${formatRate(max)}`, 'dim');
  // The window's text is counted before the line is drawn: it shares the row (it pushed "max" off at 160 columns).
  const windowOf = (span: number) => (rates.length === 0 ? '' : ` ${duration(Math.min(rates.length, span) * s.intervalMs)}`);
  const widest = Math.max(0, width - widthOf([label, tail]));
  const span = Math.max(0, widest - [...windowOf(widest)].length);
  const line = rates.length === 0 ? '' : sparkline(rates, span);
  return [label, seg(line, 'accent'), tail, seg(windowOf(span), 'dim')];
}

const EVENT_TONES: Readonly<Record<TopEventKind, Tone>> = {
  watch: 'dim',
  election: 'warn',
  'leader-lost': 'bad',
  transfer: 'accent',
  'member-lost': 'bad',
  'member-back': 'ok',
  'member-restarted': 'warn',
  'snapshot-installed': 'plain',
  'snapshot-taken': 'plain',
  membership: 'accent',
  'action-failed': 'bad',
  change: 'accent',
  'change-gap': 'warn',
};

/** The title of a panel, marked when it has the focus. */
function title(name: string, focused: boolean, extra: Segs): Segs {
  return [seg(focused ? `» ${name}` : `  ${name}`, 'title', focused), ...extra];
}

/** The events panel's lines: title and `rows` events from `scroll` back, newest first. */
export function eventsLines(events: readonly TopEvent[], rows: number, scroll: number, focused: boolean): Segs[] {
  const newestFirst = [...events].reverse();
  const from = Math.max(0, Math.min(scroll, newestFirst.length - rows));
  const shown = newestFirst.slice(from, from + rows);
  const hidden = newestFirst.length - from - shown.length;
  const extra: Seg[] = [seg(` ${events.length}`, 'dim')];
  if (from > 0) extra.push(seg(` ↑${from} newer`, 'dim'));
  if (hidden > 0) extra.push(seg(` ↓${hidden} older`, 'dim'));
  const lines = shown.map((e): Segs => [seg(`  ${clock(e.at)} `, 'dim'), seg(e.text, EVENT_TONES[e.kind])]);
  if (lines.length === 0) lines.push([seg('  no events yet', 'dim')]);
  return [title('EVENTS', focused, extra), ...lines];
}

/** The registry panel's content lines (plans in progress, then shards), filtered. */
export function registryRows(r: RegistryPanel, filter: string, width: number): Segs[] {
  const needle = filter.toLowerCase();
  const shards = r.shards.filter((s) => needle === '' || [s.id, s.state, s.region, s.zone, s.address].some((f) => f.toLowerCase().includes(needle)));
  const idWidth = Math.max(2, ...shards.map((s) => s.id.length));
  // What a shard row needs besides its bar: margin, id, state, bound/capacity, region/zone.
  const barWidth = Math.max(6, Math.min(20, width - idWidth - 34));
  if (r.absent !== undefined) return [[seg(`  ${r.absent}`, 'dim')]];
  if (r.readAt === null) return [[seg(r.error === null ? '  reading the registry…' : '  the registry has not answered yet', 'dim')]];
  const summary = summaryRow(r);
  const lines = [...(summary === null ? [] : [summary]), ...r.plans.map((p) => planRow(p, barWidth)), ...shards.map((s) => shardRow(s, idWidth, barWidth))];
  if (shards.length === 0) lines.push([seg(needle === '' ? '  no shards registered' : `  no shard matches "${filter}"`, 'dim')]);
  return lines;
}

function planRow(p: PlanView, barWidth: number): Segs {
  return [
    seg(`  plan ${p.planId} `, 'accent'),
    seg(`${p.state} `, p.state === 'running' ? 'accent' : 'warn'),
    seg(`${bar(p.total === 0 ? 0 : p.done / p.total, barWidth)} `, 'accent'),
    seg(`${p.done}/${p.total} moves`),
  ];
}

const STATE_TONES: Readonly<Record<ShardView['state'], Tone>> = { active: 'ok', draining: 'warn', cordoned: 'bad' };

function shardRow(s: ShardView, idWidth: number, barWidth: number): Segs {
  const full = s.capacity > 0 ? s.boundClusters / s.capacity : 0;
  return [
    seg(`  ${cell(s.id, idWidth)} `),
    seg(`${cell(s.state, 9)} `, STATE_TONES[s.state]),
    seg(`${bar(full, barWidth)} `, full >= 1 ? 'bad' : full >= 0.8 ? 'warn' : 'ok'),
    seg(`${cell(`${s.boundClusters}/${s.capacity}`, 9)} `),
    seg(`${s.region}/${s.zone}`, 'dim'),
  ];
}

/** The registry panel's title: sizes, the filter, and the age of the data while reads fail. */
function registryTitle(r: RegistryPanel, now: number | null, filter: string, filtering: boolean, focused: boolean): Segs {
  const extra: Seg[] = [];
  if (r.counts !== null) extra.push(seg(` ${r.counts.shards} shards · ${count(r.counts.clusters)} clusters`, 'dim'));
  if (filter !== '' || filtering) extra.push(seg(` /${filter}`, 'accent'));
  if (r.error !== null) extra.push(seg(` · ${r.readAt === null || now === null ? 'unread' : `as of ${duration(now - r.readAt)} ago`}: ${r.error}`, 'bad'));
  return title('REGISTRY', focused, extra);
}

/** The registry's summary row: unbound and stale clusters, plans in progress. */
function summaryRow(r: RegistryPanel): Segs | null {
  if (r.counts === null) return null;
  const out: Seg[] = [seg('  '), seg(`${count(r.counts.unboundClusters)} unbound`, r.counts.unboundClusters > 0 ? 'warn' : 'dim')];
  if (r.staleClusters !== null) {
    out.push(seg(' · ', 'dim'), seg(`${count(r.staleClusters)}${r.staleCapped ? '+' : ''} stale`, r.staleClusters > 0 ? 'warn' : 'dim'));
    out.push(seg(` >${shortDuration(r.staleAfterMs)}`, 'dim'));
  }
  out.push(seg(' · ', 'dim'), seg(`${r.plans.length} plans`, r.plans.length > 0 ? 'accent' : 'dim'));
  return out;
}

/** The registry panel's lines: title and up to `rows` rows from `scroll`. */
export function registryLines(s: TopState, rows: number, width: number, filter: string, filtering: boolean, scroll: number, focused: boolean): Segs[] {
  const all = registryRows(s.registry, filter, width);
  const from = Math.max(0, Math.min(scroll, all.length - rows));
  const shown = all.slice(from, from + rows);
  const titleLine = registryTitle(s.registry, s.at, filter, filtering, focused);
  const more = all.length > rows ? [seg(` ${from + 1}-${from + shown.length}/${all.length}`, 'dim')] : [];
  return [[...titleLine, ...more], ...shown];
}

/** A column of lines. */
export function Lines({ lines, width, color }: { readonly lines: readonly Segs[]; readonly width: number; readonly color: boolean }) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((segs, i) => (
        <Line key={i} segs={segs} width={width} color={color} />
      ))}
    </Box>
  );
}
