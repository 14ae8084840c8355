/** Where `fleet check perf` measures fsync when not told: beside the local cluster's data, else the temp dir. */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { CliError, EXIT } from '../../common/errors.js';

/**
 * The directory to measure in: `dir` if given (it must exist and be a directory), else the
 * local cluster's home (same file system as its members' data, by default), else os.tmpdir().
 */
export async function fsyncDirFor(dir: string | undefined, localHome: string | undefined): Promise<string> {
  if (dir !== undefined) {
    const abs = resolve(dir);
    const st = await stat(abs).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) throw new CliError(`--dir ${dir} is not a directory`, { exitCode: EXIT.usage, hint: 'name an existing directory on the disk to measure' });
    return abs;
  }
  if (localHome !== undefined && (await stat(localHome).catch(() => undefined))?.isDirectory()) return localHome;
  return tmpdir();
}
