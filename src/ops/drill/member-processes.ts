/**
 * Where the local injector finds each member's process, two ways:
 *
 * - a local cluster made by `fleet init` (fleet's members or etcd's): the pid files and the
 *   manifest (restart = the local-cluster launcher, exactly as `fleet up` starts a member);
 * - pids given explicitly (`--pids n1=123,…`, for clusters started by hand or by a test
 *   harness): each pid must run `fleet node start --id <id> --listen <its address>`; its command
 *   line and working directory are kept, and a restart runs that same command again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, EXIT } from '../../common/errors.js';
import type { LocalCluster } from '../local-cluster/cluster-state.js';
import { etcdLastLogLine, findEtcdBinary, launchEtcdMember } from '../local-cluster/etcd/etcd-members.js';
import { lastLogLine, launchMember } from '../local-cluster/launcher.js';
import { engineOf } from '../local-cluster/manifest.js';
import { commandLineOf, isMemberCommandLine, isMemberProcess, memberPid, type MemberIdentity } from '../local-cluster/pids.js';
import type { LaunchedProcess, MemberProcess } from './local-injector.js';
import type { MemberRef } from './steady-state.js';

/** Why a launched member exited: its exit code or signal, and the last telling line of its output. */
function exitReason(exit: string, log: string): string {
  const why = lastLogLine(log);
  return `it exited (${exit})${why ? `: ${why}` : ''}`;
}

/** The files in `dir` that belong to member `id` (`<id>.log`, rotated `<id>.log.1`, `<id>.out`, …); none when `dir` is missing. */
function filesOfMember(dir: string, id: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name === id || name.startsWith(`${id}.`))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** The processes of a local cluster's members, by its manifest and pid files; a launch runs `launchScript` when given (another build's bin/run.js). */
export function processesOfLocalCluster(c: LocalCluster, launchScript?: string): MemberProcess[] {
  return c.manifest.members.map((member) => ({
    id: member.id,
    pid: () => memberPid(c.paths.pidFile(member.id), member),
    owns: (pid: number) => isMemberProcess(pid, member),
    // The launcher's capture of its output, and (fleet's members) the log it writes in its data dir.
    logFiles: () => [...filesOfMember(dirname(c.paths.logFile(member.id)), member.id), ...filesOfMember(join(member.dataDir, 'logs'), member.id)],
    launch: async (): Promise<LaunchedProcess> => {
      if (engineOf(c.manifest) === 'etcd') {
        const launched = await launchEtcdMember(findEtcdBinary(), c.manifest, member, c.paths, false);
        const why = () => etcdLastLogLine(c.paths.logFile(member.id), launched.logFrom);
        return { pid: launched.pid, exited: () => (launched.exit === undefined ? undefined : `it exited (${launched.exit})${why() ? `: ${why()}` : ''}`) };
      }
      const launched = await launchMember(c.manifest, member, c.paths, false, launchScript);
      return { pid: launched.pid, exited: () => (launched.exit === undefined ? undefined : exitReason(launched.exit, c.paths.logFile(member.id))) };
    },
  }));
}

/** Where `node start` begins in a member's argv (`node [options] <script> node start …`); -1 when it does not. */
function nodeStartAt(argv: readonly string[]): number {
  return argv.findIndex((a, i) => a === 'node' && argv[i + 1] === 'start');
}

/** The build a member's process runs: its bin/run.js, the argument just before `node start`. */
export function buildOf(argv: readonly string[] | undefined): string | undefined {
  const start = argv === undefined ? -1 : nodeStartAt(argv);
  return start < 1 ? undefined : argv![start - 1];
}

/** The value of `--flag` after `node start` in a member's argv. */
function flagOf(argv: readonly string[], flag: string): string | undefined {
  const start = nodeStartAt(argv);
  const i = start < 0 ? -1 : argv.indexOf(flag, start);
  return i < 0 ? undefined : argv[i + 1];
}

/**
 * Checks that `pid` runs member `ref` (`node start --id <id> --listen <address>`); answers its
 * identity and command. Throws a one-line error saying what the pid is instead.
 */
export function validateMemberPid(ref: MemberRef, pid: number): { identity: MemberIdentity; argv: string[]; cwd: string } {
  const argv = commandLineOf(pid);
  const bad = (why: string): never => {
    throw new CliError(`--pids: pid ${pid} is not member ${ref.id}: ${why}`, { exitCode: EXIT.usage, hint: `pass the pid of the process running fleet node start --id ${ref.id} --listen ${ref.address}` });
  };
  if (argv === undefined) return bad('no such process');
  const id = flagOf(argv, '--id');
  const dataDir = flagOf(argv, '--data-dir');
  const listen = flagOf(argv, '--listen');
  if (id === undefined || dataDir === undefined) return bad(`it runs ${argv.slice(0, 3).join(' ')}…, not fleet node start`);
  if (id !== ref.id) return bad(`it runs member ${id}`);
  if (listen !== ref.address) return bad(`it listens on ${listen ?? '?'}, but the cluster knows ${ref.id} at ${ref.address}`);
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    cwd = process.cwd();
  }
  return { identity: { id, dataDir }, argv, cwd };
}

/**
 * The processes of members given by pid. Every pid is validated now (before any fault); a
 * member restarted by the drill is tracked under its new pid.
 */
export function processesFromPids(pids: ReadonlyMap<string, number>, members: readonly MemberRef[], launchScript?: string): MemberProcess[] {
  const unknown = [...pids.keys()].filter((id) => !members.some((m) => m.id === id));
  if (unknown.length > 0) throw new CliError(`--pids names ${unknown.join(', ')}, not ${unknown.length === 1 ? 'a member' : 'members'} of this cluster (members: ${members.map((m) => m.id).join(', ')})`, { exitCode: EXIT.usage });
  return [...pids].map(([id, first]) => {
    const ref = members.find((m) => m.id === id)!;
    // A pid that is gone is a member that is down: the steady-state check says so, in its words.
    if (commandLineOf(first) === undefined) return goneMember(id, first);
    const { identity, argv: given, cwd } = validateMemberPid(ref, first);
    const argv = launchScript === undefined ? given : withScript(given, launchScript);
    let current = first;
    const owns = (pid: number): boolean => {
      const now = commandLineOf(pid);
      return now !== undefined && isMemberCommandLine(now, identity);
    };
    return {
      id,
      owns,
      logFiles: () => filesOfMember(join(resolve(cwd, identity.dataDir), 'logs'), id),
      pid: async () => (owns(current) ? current : undefined),
      launch: async (): Promise<LaunchedProcess> => {
        // The member logs to <data-dir>/logs itself; its output (where an error it dies of at
        // start-up appears) goes to a file beside that, so it outlives the drill and says why.
        const output = memberOutputFile(resolve(cwd, identity.dataDir), id);
        const fd = openSync(output, 'a', 0o600);
        let child: ChildProcess;
        try {
          child = spawn(argv[0]!, argv.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd], env: process.env });
        } finally {
          closeSync(fd);
        }
        const pid = child.pid;
        if (pid === undefined) throw new CliError(`could not start member ${id} again: ${argv[0]} did not run`);
        let exit: string | undefined;
        child.once('exit', (code, signal) => (exit = signal ?? String(code)));
        child.unref();
        current = pid;
        return { pid, exited: () => (exit === undefined ? undefined : exitReason(exit, output)) };
      },
    };
  });
}

/**
 * A member's command line running another build: `node [node options] <script> node start …`,
 * the script being the argument just before `node start`.
 */
export function withScript(argv: readonly string[], script: string): string[] {
  const start = nodeStartAt(argv);
  if (start < 2) throw new CliError(`cannot tell which build runs ${argv.slice(0, 3).join(' ')}…: expected node … bin/run.js node start`);
  return argv.map((a, i) => (i === start - 1 ? script : a));
}

/** `<data-dir>/logs/<id>.out`: the stdout and stderr of a member the drill started again. */
function memberOutputFile(dataDir: string, id: string): string {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${id}.out`);
}

/** A member whose given pid was already gone: it cannot be signalled, nor restarted (its command is unknown). */
function goneMember(id: string, pid: number): MemberProcess {
  return {
    id,
    owns: () => false,
    pid: async () => undefined,
    launch: async () => {
      throw new CliError(`cannot start member ${id} again: pid ${pid} was gone before the drill began, so its command line is unknown`, { hint: 'start it yourself, then run the drill again' });
    },
  };
}

/** Parses `n1=123,n2=456` into member id → pid. */
export function parsePids(text: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]{0,62})=(\d+)$/.exec(part);
    if (!m || Number(m[2]) <= 1) throw new Error(`invalid pid ${JSON.stringify(part)}: expected ID=PID, e.g. n1=12345`);
    if (pids.has(m[1]!)) throw new Error(`member ${m[1]} is listed twice`);
    pids.set(m[1]!, Number(m[2]));
  }
  if (pids.size === 0) throw new Error('expected ID=PID,… e.g. n1=12345,n2=12346');
  return pids;
}
