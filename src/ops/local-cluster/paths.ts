/**
 * Where local clusters live on disk. Everything a local cluster owns sits under the user's XDG
 * data dir, never the current directory:
 *
 *   $XDG_DATA_HOME/fleet/clusters/<name>/      (default ~/.local/share/fleet/clusters/<name>)
 *     cluster.json                  the manifest (manifest.ts)
 *     client.token, admin.token     bearer tokens, mode 0600
 *     peer.secret                   the secret members sign their peer streams with, mode 0600
 *     certs/                        with --tls: ca.crt/.key, member-<id>.crt/.key, operator.crt/.key
 *     run/<id>.pid                  pid of each running member
 *     logs/<id>.log                 stdout/stderr of each detached member
 *     <id>/                         each member's data dir, unless --data-dir put them elsewhere
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { memberIdProblem } from '../../common/addresses.js';
import { CliError, EXIT } from '../../common/errors.js';

/** Names of local clusters: they become a directory and a context name. */
export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** $XDG_DATA_HOME (if absolute, as the XDG spec requires), else ~/.local/share. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share');
}

/** The directory holding one sub-directory per local cluster. */
export function clustersRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), 'fleet', 'clusters');
}

/** Throws a usage error unless `name` can name a local cluster. */
export function checkClusterName(name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw new CliError(`invalid cluster name ${JSON.stringify(name)}: letters, digits, '-' and '_', starting with a letter or digit`, { exitCode: EXIT.usage });
  }
}

/** The files of one local cluster, all derived from its home directory. */
export interface ClusterPaths {
  readonly home: string;
  readonly manifest: string;
  readonly tokenFile: string;
  readonly adminTokenFile: string;
  readonly peerSecretFile: string;
  readonly certsDir: string;
  readonly runDir: string;
  readonly logDir: string;
  pidFile(id: string): string;
  logFile(id: string): string;
}

/**
 * The paths of the cluster `name` under `root`. Names and member ids become path components, so
 * both are checked here as well as where they are read (a `../` never reaches a path).
 */
export function clusterPaths(root: string, name: string): ClusterPaths {
  checkClusterName(name);
  const home = join(root, name);
  const memberFile = (dir: string, id: string, ext: string): string => {
    const problem = memberIdProblem(id);
    if (problem !== undefined) throw new CliError(problem, { exitCode: EXIT.usage });
    return join(home, dir, `${id}.${ext}`);
  };
  return {
    home,
    manifest: join(home, 'cluster.json'),
    tokenFile: join(home, 'client.token'),
    adminTokenFile: join(home, 'admin.token'),
    peerSecretFile: join(home, 'peer.secret'),
    certsDir: join(home, 'certs'),
    runDir: join(home, 'run'),
    logDir: join(home, 'logs'),
    pidFile: (id) => memberFile('run', id, 'pid'),
    logFile: (id) => memberFile('logs', id, 'log'),
  };
}
