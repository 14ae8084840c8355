/**
 * Progress of `fleet rebind plan apply`: a bar redrawn in place on a terminal, one line per
 * batch anywhere else (a pipe, a CI log), so both people and logs see what happened.
 */
import type { BatchEvent } from '../ops/rebind/index.js';
import { formatDuration } from '../common/durations.js';

const n = (x: number): string => x.toLocaleString('en-US');

/** `[######------] 4,200/10,000 moves · 3,100 moves/s · ETA 2.0s`, fitted to `width` columns. */
export function progressBar(e: BatchEvent, width = 80): string {
  const tail = ` ${n(e.done)}/${n(e.total)} moves · ${n(e.movesPerSecond)} moves/s · ETA ${e.etaMs === null ? '-' : formatDuration(e.etaMs)}${e.skipped ? ` · ${n(e.skipped)} skipped` : ''}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 3));
  const filled = e.total === 0 ? barWidth : Math.round((barWidth * Math.min(e.done, e.total)) / e.total);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

/** `batch 3/10: 300 moves, 900/10,000 in place, 3,000 moves/s`. */
export function batchLine(e: BatchEvent): string {
  return `batch ${n(e.batch)}/${n(e.batches)}: ${n(e.moved)} moved, ${n(e.done)}/${n(e.total)} in place, ${n(e.movesPerSecond)} moves/s${e.skipped ? `, ${n(e.skipped)} skipped` : ''}`;
}

/** Where batch events go: a redrawn bar on a terminal, lines otherwise. `stop()` ends the bar's line. */
export interface ApplyProgressView {
  update(e: BatchEvent): void;
  stop(): void;
}

/** The view for `stream` (stderr): a bar when it is a terminal, otherwise one line per batch. */
export function applyProgressView(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): ApplyProgressView {
  if (stream.isTTY !== true || env.TERM === 'dumb') return { update: (e) => void stream.write(`${batchLine(e)}\n`), stop: () => {} };
  let drawn = false;
  return {
    update(e) {
      stream.write(`\r\x1b[2K${progressBar(e, stream.columns || 80)}`);
      drawn = true;
    },
    stop() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
