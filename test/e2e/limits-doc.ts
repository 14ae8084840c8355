/**
 * Reads docs/security.md's "Limits" table: one row per limit, its last cell the metric that
 * counts it (backquoted names, a label set alone meaning the name before it), or words saying
 * why there is none.
 */

/** One row of the table. */
export interface LimitRow {
  readonly limit: string;
  readonly value: string;
  readonly setting: string;
  readonly pastIt: string;
  readonly metric: string;
}

/** A metric a row names: its name, and the label set it names, if any (`{limit="x"}`). */
export interface NamedMetric {
  readonly name: string;
  readonly label?: string;
}

/** The rows of the first table under `## Limits`; throws when there is none or a row is not of five cells. */
export function limitRows(markdown: string): LimitRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Limits\n'));
  if (section === undefined) throw new Error('no "## Limits" section');
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  if (first < 0) throw new Error('no table under "## Limits"');
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  const table = lines.slice(first, end < 0 ? undefined : end);
  return table.slice(2).map((line) => {
    const cells = line.slice(1, -1).split('|').map((c) => c.trim());
    if (cells.length !== 5) throw new Error(`a row of ${cells.length} cells, not 5: ${line}`);
    const [limit, value, setting, pastIt, metric] = cells as [string, string, string, string, string];
    return { limit, value, setting, pastIt, metric };
  });
}

/** The metrics a row's metric cell names, in order; none when it names none. */
export function metricsOfRow(cell: string): NamedMetric[] {
  const named: NamedMetric[] = [];
  for (const [, code] of cell.matchAll(/`([^`]+)`/g)) {
    const m = /^(fleet_[a-z0-9_]+)?(\{[a-z_]+(?:="[^"]*")?\})?$/.exec(code!);
    if (m === null || (m[1] === undefined && m[2] === undefined)) throw new Error(`not a metric: \`${code}\``);
    const name = m[1] ?? named.at(-1)?.name;
    if (name === undefined) throw new Error(`a label set with no metric before it: \`${code}\``);
    named.push({ name, ...(m[2] === undefined ? {} : { label: m[2] }) });
  }
  return named;
}
