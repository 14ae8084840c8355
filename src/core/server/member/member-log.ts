/**
 * A member's logger: JSON lines to its own file in the data dir, and to stderr for `fleet node
 * start` (an embedded member keeps the host's stderr for the host).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { memberIdProblem } from '../../../common/addresses.js';
import { PRIVATE_FILES } from '../../storage/index.js';
import { logFileCap, RotatingLogFile } from '../log-file.js';
import type { AssemblyOptions } from './options.js';

/**
 * Logs as JSON lines to stderr and to `<data-dir>/logs/<id>.log`. The file is on the member's
 * data disk, so it must survive that disk failing: it is written synchronously (pino's buffered
 * destination retries its final flush for ever on ENOSPC — sonic-boom's flushSync loops on any
 * error but EAGAIN — so a member whose disk filled never exited, its port held), and after its
 * first failed write the member logs to stderr only.
 */
export function createMemberLogger(opts: Pick<AssemblyOptions, 'id' | 'clusterName' | 'dataDir'>, to: { readonly stderr: boolean } = { stderr: true }): pino.Logger {
  const dir = join(opts.dataDir, 'logs');
  // The id names a file: refused here too, whoever built the options (node start and embed check it first).
  const idProblem = memberIdProblem(opts.id);
  if (idProblem !== undefined) throw new Error(idProblem);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_FILES.dirMode });
  const path = join(dir, `${opts.id}.log`);
  // Rotated by size with a cap (log-file.ts): no flood of lines fills the data disk.
  const file = new RotatingLogFile(path, logFileCap(opts.dataDir), (err) => {
    process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), member: opts.id, cluster: opts.clusterName, path, err: err.message, msg: 'cannot write the member log file: logging to stderr only' })}\n`);
  });
  // An embedded member keeps the host's stderr for the host: its own file only.
  const streams = pino.multistream([...(to.stderr ? [{ stream: process.stderr, level: 'info' as const }] : []), { stream: file, level: 'debug' as const }]);
  return pino({ level: 'debug', base: { member: opts.id, cluster: opts.clusterName } }, streams);
}
