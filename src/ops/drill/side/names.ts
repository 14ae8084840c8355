/** The side workloads' names, and `--with`'s parser: no dependencies, so a drill command loads it at once. */

export const SIDE_WORKLOADS = ['list-append', 'lock', 'first-contact'] as const;
export type SideWorkloadName = (typeof SIDE_WORKLOADS)[number];

/** Parses `--with`: a comma-separated list of side workloads, `all` or `none`; throws a one-line reason for anything else. */
export function parseSideWorkloads(text: string): SideWorkloadName[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 1 && items[0] === 'all') return [...SIDE_WORKLOADS];
  if (items.length === 0 || (items.length === 1 && items[0] === 'none')) return [];
  const unknown = items.find((s) => !(SIDE_WORKLOADS as readonly string[]).includes(s));
  if (unknown !== undefined) throw new Error(`unknown workload ${JSON.stringify(unknown)}: use ${SIDE_WORKLOADS.join(', ')}, all or none`);
  return [...new Set(items)] as SideWorkloadName[];
}
