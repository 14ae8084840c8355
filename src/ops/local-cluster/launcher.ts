/**
 * Starts members as detached background processes (`fleet node start …`), each in its own
 * process group with its output in `logs/<id>.log`, so they outlive the command that started
 * them and a Ctrl-C in the operator's terminal never reaches them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../common/member-process.js';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memberAddress, metricsAddress, type ClusterManifest, type ManifestMember } from './manifest.js';
import { credentialArgs, ensureMemberCredentials } from './member-credentials.js';
import type { ClusterPaths } from './paths.js';
import { isMemberProcess, writePidFile } from './pids.js';
import { pause } from './wait.js';

/** A member just started: its pid and, while this process lives, a handle to notice an early exit. */
export interface LaunchedMember {
  readonly id: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Set once the process has exited (code, or the signal's name). */
  exit: string | undefined;
  /** Where this start's output begins in the member's log: what an earlier run logged is not its story. */
  readonly logFrom: number;
}

/**
 * `bin/run.js` of this package. This module sits three levels below the package root both in
 * `src/` (tests, dev) and in `dist/` (production), but the walk up does not rely on that.
 */
export function runScript(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'bin', 'run.js');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find bin/run.js above ${from}: is the fleet package installed completely?`);
}

/**
 * The `node start` arguments of a member. Voters are started with `--peers` listing every voter
 * (only a fresh data dir bootstraps from it; a restarted one just learns the addresses); a
 * joining member starts with `--join` and learns the membership from the leader.
 */
export function memberArgs(manifest: ClusterManifest, member: ManifestMember, paths: ClusterPaths, founding = false): string[] {
  const args = ['node', 'start', '--id', member.id, '--data-dir', member.dataDir, '--listen', memberAddress(member), '--cluster', manifest.name];
  if (member.state === 'joining') args.push('--join');
  else args.push('--peers', manifest.members.filter((m) => m.state === 'voter').map((m) => `${m.id}=${memberAddress(m)}`).join(','));
  // Only `fleet init` founds the cluster: a voter restarted by up or scale whose data is gone must
  // be refused (it could vote twice in a term), not bootstrap again because its directory is empty.
  if (member.state !== 'joining') args.push('--initial-cluster-state', founding ? 'new' : 'existing');
  args.push('--heartbeat', manifest.heartbeat, '--election-timeout', manifest.electionTimeout);
  if (member.zone) args.push('--zone', member.zone);
  if (member.region) args.push('--region', member.region);
  args.push(...credentialArgs(manifest, member, paths));
  const metrics = metricsAddress(member);
  if (metrics !== undefined) args.push('--metrics-listen', metrics);
  // A local cluster is a place to rehearse: let `fleet drill partition` reach it (still behind the admin token).
  args.push('--enable-drills');
  return args;
}

/** Starts one member detached, writes its pid file, and returns at once; `script` is the build it runs (`fleet drill upgrade` names another). */
export async function launchMember(manifest: ClusterManifest, member: ManifestMember, paths: ClusterPaths, founding = false, script = runScript()): Promise<LaunchedMember> {
  await ensureMemberCredentials(manifest, member, paths);
  const args = [...MEMBER_NODE_OPTIONS, script, ...memberArgs(manifest, member, paths, founding)];
  return startDetached(process.execPath, args, { ...process.env, ...MEMBER_ENV, NO_COLOR: '1' }, member, paths);
}

/**
 * Runs `file args` as a member: detached in its own process group, output appended to the
 * member's log, its pid file written; returns once it has exec'd (so its pid is recognisable).
 */
export async function startDetached(file: string, args: readonly string[], env: NodeJS.ProcessEnv, member: ManifestMember, paths: ClusterPaths): Promise<LaunchedMember> {
  const log = openSync(paths.logFile(member.id), 'a', 0o600);
  const logFrom = fstatSync(log).size;
  let child: ChildProcess;
  try {
    child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], env });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) {
    // The reason comes as an 'error' event, which must not go unheard; the throw says it.
    child.once('error', () => undefined);
    throw new Error(`could not start member ${member.id}: ${file} did not run`);
  }
  const launched: LaunchedMember = { id: member.id, pid: child.pid, child, exit: undefined, logFrom };
  child.once('exit', (code, signal) => (launched.exit = signal ?? String(code)));
  child.unref();
  await writePidFile(paths.pidFile(member.id), child.pid);
  await execed(launched, member);
  return launched;
}

/**
 * Waits (briefly) until the child has exec'd: between fork and exec it still shows this
 * process's command line, and a stop in that window would not recognise it as the member.
 */
async function execed(launched: LaunchedMember, member: ManifestMember, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (launched.exit === undefined && !isMemberProcess(launched.pid, member) && Date.now() < deadline) await pause(5);
}

/**
 * The first line of an error as Node or oclif prints it (`Error: …`, `StorageLockedError: …`,
 * ` ›   Error: …`), or the one line `fleet node start` refuses to start with (`fleet node start: …`).
 */
const ERROR_HEADING = /^(?:\W*(?:[A-Z]\w*)?Error: |fleet node start: )/;

/**
 * The most telling line at the end of a member's log, for a one-line failure report: the last
 * error or warning the member logged (JSON lines) or the last error Node printed as plain text
 * (an exception the member died of, e.g. `StorageLockedError: …`), whichever came later; else
 * the last line of plain text. The log is appended to by every start, so an older warning (a
 * previous run's "took over a stale LOCK") must not outrank the error this run died of.
 */
export function lastLogLine(file: string, maxBytes = 16_384, from = 0): string | undefined {
  let text: string;
  try {
    const all = readFileSync(file).subarray(from).toString('utf8');
    text = all.slice(-maxBytes);
  } catch {
    return undefined;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  let plain: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('{')) {
      if (ERROR_HEADING.test(line)) return line.replace(/^\W*Error:\s*|^fleet node start:\s*/, '');
      plain ??= line.replace(/^\W*Error:\s*/, '');
      continue;
    }
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((j.level ?? 0) >= 40) return [j.msg, j.err?.message].filter(Boolean).join(': ');
    } catch {
      // a torn last line
    }
  }
  return plain;
}
