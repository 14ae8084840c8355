/** The top of the screen: where the dashboard points, who leads, how safe the quorum is, how busy the log is. */
import { Box } from 'ink';
import type { TopState } from '../../ops/top/model.js';
import { formatRate } from '../../common/units.js';
import { clock, count, duration, seg, shortDuration, widthOf, type Seg, type Segs } from './format.js';
import { Line } from './theme.js';

const DOT = seg(' · ', 'dim');

/** Line 1: the target, the interval and the time of the last poll (or PAUSED). */
export function targetLine(s: TopState, width: number): Segs {
  const h = s.header;
  const eps = h.endpoints.length === 0 ? 'no endpoints' : h.endpoints.length === 1 ? h.endpoints[0]! : `${h.endpoints[0]} +${h.endpoints.length - 1}`;
  const left: Seg[] = [seg('fleet top', 'title')];
  if (h.engine === 'etcd') left.push(DOT, seg('etcd', 'accent'));
  if (h.context !== null) left.push(DOT, seg(`context ${h.context}`));
  if (h.clusterName !== null) left.push(DOT, seg(`cluster ${h.clusterName}`));
  left.push(DOT, seg(eps), DOT, seg(`every ${shortDuration(s.intervalMs)}`, 'dim'));
  if (s.readonly) left.push(DOT, seg('read-only', 'warn'));
  const right: Seg = s.paused ? seg(' PAUSED ', 'warn', true) : seg(s.at === null ? 'connecting…' : clock(s.at), 'dim');
  const gap = width - widthOf(left) - widthOf([right]);
  return gap >= 1 ? [...left, seg(' '.repeat(gap)), right] : [...left, seg(' '), right];
}

/** Line 2: leader, its age, term, commit index, writes/s, quorum and failure tolerance; the least needed parts go first when narrow. */
export function clusterLine(s: TopState, width: number): Segs {
  const h = s.header;
  if (s.at === null) return [seg('waiting for the first answer…', 'dim')];
  const groups: { segs: Seg[]; priority: number }[] = [
    { segs: h.leader === null ? [seg('no leader', 'bad')] : [seg('leader '), seg(h.leader, 'accent')], priority: 0 },
    { segs: leaderAge(s), priority: 2 },
    { segs: [seg(`term ${h.term}`)], priority: 0 },
    { segs: h.commitIndex === null ? [] : [seg(`commit ${count(h.commitIndex)}`)], priority: 2 },
    { segs: [seg(h.writesPerSec === null ? '- w/s' : `${formatRate(h.writesPerSec)} w/s`)], priority: 1 },
    { segs: quorumSegs(s), priority: 0 },
  ].filter((g) => g.segs.length > 0);
  const join = (gs: typeof groups): Seg[] => gs.flatMap((g, i) => (i === 0 ? g.segs : [DOT, ...g.segs]));
  let line = join(groups);
  for (const maxPriority of [1, 0]) if (widthOf(line) > width) line = join(groups.filter((g) => g.priority <= maxPriority));
  return line;
}

function quorumSegs(s: TopState): Seg[] {
  const q = s.header.quorum;
  if (q.voters === 0) return [];
  const size = seg(`quorum ${q.size}/${q.voters} · `);
  if (!q.available) return [size, seg(`NO QUORUM (${q.healthyVoters} healthy)`, 'bad')];
  const down = q.voters - q.healthyVoters;
  return [size, seg(`can lose ${q.failureTolerance}${down > 0 ? ` (${down} down)` : ''}`, q.failureTolerance === 0 ? 'warn' : 'ok')];
}

/** How long the leader has led, when this session saw it take over; else how long its process has run. */
function leaderAge(s: TopState): Seg[] {
  const h = s.header;
  if (h.leader === null) return [];
  if (h.leaderSince !== null && s.at !== null) return [seg(`leading ${duration(s.at - h.leaderSince)}`)];
  if (h.leaderUptimeMs !== null) return [seg(`up ${duration(h.leaderUptimeMs)}`, 'dim')];
  return [];
}

/** The banner, shown only when the cluster cannot make progress. */
export function bannerLine(s: TopState): Segs | null {
  return s.header.banner === null ? null : [seg(` ${s.header.banner} `, 'bad', true)];
}

/** The header block. */
export function Header({ state, width, color }: { readonly state: TopState; readonly width: number; readonly color: boolean }) {
  const banner = bannerLine(state);
  return (
    <Box flexDirection="column">
      <Line segs={targetLine(state, width)} width={width} color={color} />
      <Line segs={clusterLine(state, width)} width={width} color={color} />
      {banner === null ? null : <Line segs={banner} width={width} color={color} />}
    </Box>
  );
}
