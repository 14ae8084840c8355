/**
 * Reading back what a drill saved (`--json` or `--report FILE.json`, and `--history`) for
 * `fleet drill report`: the JSON report checked to be one, and the history checked to be the
 * one recorded with it, so a report is never rebuilt from two different runs.
 */
import { parseJsonLines, type HistoryEvent } from '../../history/index.js';
import { DRILL_NAMES, type DrillReport } from '../types.js';

/** A saved file that is not what it should be; the message says which and why. */
export class DrillFileError extends Error {
  override readonly name = 'DrillFileError';
}

/** Parses a saved JSON report, checking the fields a rebuild reads. */
export function parseDrillReport(text: string, file: string): DrillReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DrillFileError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const missing = ['verdict', 'reason', 'startedAt', 'options', 'rounds', 'summary', 'violations', 'historyEvents'].filter((k) => !(k in o));
  if (!DRILL_NAMES.includes(o.drill as DrillReport['drill']) || missing.length > 0 || !Array.isArray(o.rounds)) {
    throw new DrillFileError(`${file} is not a drill's JSON report${missing.length > 0 ? ` (no ${missing.join(', ')})` : ''}: write one with --report FILE.json or --json`);
  }
  // Checked above as far as a report is read back: its fields are the drill's own.
  return raw as DrillReport;
}

/** Parses a saved history and checks it is the one `report` was recorded with (same number of events). */
export function parseDrillHistory(text: string, file: string, report: DrillReport): HistoryEvent[] {
  let events: HistoryEvent[];
  try {
    events = parseJsonLines(text);
  } catch (err) {
    throw new DrillFileError(`${file}: ${(err as Error).message}`);
  }
  if (events.length !== report.historyEvents) {
    throw new DrillFileError(`${file} has ${events.length} events but the report was recorded with ${report.historyEvents}: they are not from the same run`);
  }
  return events;
}
