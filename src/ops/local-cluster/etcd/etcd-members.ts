/**
 * Members of a local etcd cluster (`fleet init --engine etcd`): the installed etcd binary, each
 * member on a client port and a peer port of loopback, its data dir where fleet's members keep
 * theirs, started detached like fleet's members (launcher.ts) and recognised by `--name <id>
 * --data-dir <dir>` on its command line (pids.ts).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { parseDuration } from '../../../common/durations.js';
import { CliError, EXIT } from '../../../common/errors.js';
import { startDetached, type LaunchedMember } from '../launcher.js';
import { LOCAL_HOST, type ClusterManifest, type ManifestMember } from '../manifest.js';
import type { ClusterPaths } from '../paths.js';

/** The Debian/Ubuntu package that installs the etcd server. */
export const ETCD_PACKAGE = 'etcd-server';

/** The etcd binary on PATH; a one-line error (exit 1) naming the package when there is none. */
export function findEtcdBinary(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, 'etcd');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  throw new CliError(`etcd is not installed (no etcd executable on PATH): install the ${ETCD_PACKAGE} package`, { exitCode: EXIT.error, hint: `sudo apt-get install ${ETCD_PACKAGE}`, code: 'ETCD_MISSING' });
}

/** etcd's timing flags in whole milliseconds; etcd itself refuses an election timeout under 5 heartbeats. */
export function etcdTiming(heartbeat: string, electionTimeout: string): { heartbeatMs: number; electionMs: number } {
  const heartbeatMs = Math.round(parseDuration(heartbeat));
  const electionMs = Math.round(parseDuration(electionTimeout));
  if (heartbeatMs < 1) throw new CliError('--heartbeat must be at least 1ms for etcd', { exitCode: EXIT.usage });
  if (electionMs < 5 * heartbeatMs) throw new CliError(`--election-timeout must be at least 5 times --heartbeat for etcd (got ${electionTimeout} and ${heartbeat})`, { exitCode: EXIT.usage, hint: 'e.g. --heartbeat 100ms --election-timeout 1s' });
  return { heartbeatMs, electionMs };
}

const url = (port: number): string => `http://${LOCAL_HOST}:${port}`;

/**
 * The arguments of an etcd member. `--name` and `--data-dir` come first and separate: they are
 * how a pid is recognised as this member. The initial-cluster flags only matter to an empty data
 * dir; a restarted member reads its membership from its data.
 */
export function etcdMemberArgs(manifest: ClusterManifest, member: ManifestMember, founding: boolean): string[] {
  const peer = member.peerPort;
  if (peer === undefined) throw new Error(`member ${member.id} of ${manifest.name} has no peer port`);
  const { heartbeatMs, electionMs } = etcdTiming(manifest.heartbeat, manifest.electionTimeout);
  const initialCluster = manifest.members.map((m) => `${m.id}=${url(m.peerPort ?? 0)}`).join(',');
  return [
    '--name', member.id, '--data-dir', member.dataDir,
    '--listen-client-urls', url(member.port), '--advertise-client-urls', url(member.port),
    '--listen-peer-urls', url(peer), '--initial-advertise-peer-urls', url(peer),
    '--initial-cluster', initialCluster, '--initial-cluster-state', founding ? 'new' : 'existing',
    '--initial-cluster-token', `fleet-${manifest.name}`,
    '--heartbeat-interval', String(heartbeatMs), '--election-timeout', String(electionMs),
    '--logger', 'zap', '--log-outputs', 'stderr',
  ];
}

/** Starts one etcd member detached (pid file, log) and returns once it has exec'd. */
export function launchEtcdMember(binary: string, manifest: ClusterManifest, member: ManifestMember, paths: ClusterPaths, founding: boolean): Promise<LaunchedMember> {
  return startDetached(binary, etcdMemberArgs(manifest, member, founding), etcdEnv(), member, paths);
}

/** The operator's environment without ETCD_* settings, which etcd would read as flags of its own. */
function etcdEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ETCD_') || k === 'ETCD_UNSUPPORTED_ARCH'));
}

/**
 * The last error an etcd member logged since `from` (zap's JSON lines: level, msg, error), else
 * its last line of plain text (a flag it refused is printed that way).
 */
export function etcdLastLogLine(file: string, from = 0): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(file).subarray(from).toString('utf8').slice(-16_384).split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return undefined;
  }
  let plain: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('{')) {
      plain ??= line;
      continue;
    }
    try {
      const j = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (j.level === 'error' || j.level === 'fatal' || j.level === 'panic') return [j.msg, j.error].filter(Boolean).join(': ');
    } catch {
      // a torn last line
    }
  }
  return plain;
}

/**
 * `n` distinct loopback ports the kernel calls free right now, none of them in `avoid` (ports
 * other local clusters own). A port may still be taken before etcd binds it; the member then
 * exits and init rolls back saying so.
 */
export async function freeLoopbackPorts(n: number, avoid: ReadonlySet<number>): Promise<number[]> {
  const found = new Set<number>();
  for (let tries = 0; found.size < n && tries < 20 * n; tries++) {
    const port = await kernelPort();
    if (!avoid.has(port)) found.add(port);
  }
  if (found.size < n) throw new CliError(`could not find ${n} free loopback ports`, { code: 'PORT_IN_USE' });
  return [...found];
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: LOCAL_HOST, port: 0, exclusive: true }, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
