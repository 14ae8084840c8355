/**
 * A local etcd cluster for side-by-side benchmarks: N members of the installed etcd on free
 * loopback ports, data in a temp dir, etcd's default timing (heartbeat 100 ms, election
 * timeout 1000 ms — fleet's defaults too). Only processes this class started are ever
 * signalled, by pid; an aborted run kills them through bench/cleanup.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { killPid, onAbort } from '../cleanup.js';
import { freePort, rssOf } from '../harness.js';
import { EtcdClient } from '../../src/client/etcd/index.js';

/** How to get etcd where it is missing. */
export const ETCD_INSTALL_HINT = 'etcd is not installed: `apt-get install etcd-server etcd-client` (etcd 3.4) to compare fleet with it; measuring fleet alone';

/** The etcd binaries on PATH, or undefined when either is missing. */
export function findEtcd(): { etcd: string; etcdctl: string; version: string } | undefined {
  const which = (name: string): string | undefined => {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // Not in this directory.
      }
    }
    return undefined;
  };
  const etcd = which('etcd');
  const etcdctl = which('etcdctl');
  if (etcd === undefined || etcdctl === undefined) return undefined;
  const out = spawnSync(etcd, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return { etcd, etcdctl, version: /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown' };
}

/** The installed etcd, or a throw naming what to install: the tests that need it never skip. */
export function requireEtcd(): { etcd: string; etcdctl: string; version: string } {
  const found = findEtcd();
  if (found === undefined) throw new Error('etcd and etcdctl are not on PATH: npm test installs them (scripts/system-tools.mjs), or run apt-get install etcd-server etcd-client');
  return found;
}

/**
 * How members serve their clients: plaintext by default; with `tls`, https with `server` as every
 * member's certificate, asking each client for one that `ca` issued (etcd's --client-cert-auth),
 * and `client` as the certificate this class's own health checks present.
 */
export interface EtcdClusterOptions {
  readonly tls?: { readonly ca: string; readonly server: { readonly cert: string; readonly key: string }; readonly client: { readonly cert: string; readonly key: string } };
}

/** One member: its name (n1…), ports, data dir and process. */
interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  child: ChildProcess | undefined;
}

/** A running etcd cluster. Invariant: every child in `members` was spawned by this object. */
export class EtcdCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'fleet-bench-etcd-'));
  readonly #members: Member[] = [];
  readonly #binary: string;
  readonly #options: EtcdClusterOptions;
  readonly #unregister: () => void;
  /** From spawning the members to their agreeing on a leader, in the attempt that worked. */
  startedInMs = 0;

  private constructor(binary: string, options: EtcdClusterOptions) {
    this.#binary = binary;
    this.#options = options;
    this.#unregister = onAbort(() => this.#killAllSync(true));
  }

  /**
   * Starts `size` members and waits until they agree on a leader. A member that exits while
   * starting (another process took one of its free ports between our probe and its bind) costs
   * a fresh attempt on fresh ports, not the whole run; `startedInMs` times the attempt that worked.
   */
  static async start(size = 3, binary = findEtcd()?.etcd ?? 'etcd', attempts = 3, options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.#startOnce(size, binary, options);
      } catch (err) {
        if (!(err instanceof MemberExited) || attempt >= attempts) throw err;
        process.stderr.write(`etcd: ${err.message}; starting again on fresh ports\n`);
      }
    }
  }

  static async #startOnce(size: number, binary: string, options: EtcdClusterOptions): Promise<EtcdCluster> {
    const c = new EtcdCluster(binary, options);
    try {
      for (let i = 0; i < size; i++) {
        const [clientPort, peerPort] = [await freePort(), await freePort()];
        c.#members.push({ name: `n${i + 1}`, clientPort, peerPort, dataDir: join(c.root, `n${i + 1}`), child: undefined });
      }
      const t0 = performance.now();
      for (const m of c.#members) c.#spawn(m);
      await c.waitHealthy();
      c.startedInMs = performance.now() - t0;
      return c;
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  /** Members' client endpoints (`127.0.0.1:port`), in name order. */
  get endpoints(): string[] {
    return this.#members.map((m) => `127.0.0.1:${m.clientPort}`);
  }

  get names(): string[] {
    return this.#members.map((m) => m.name);
  }

  /** A member's peer URL. */
  peerUrlOf(name: string): string {
    return `http://127.0.0.1:${this.#byName(name).peerPort}`;
  }

  /** The endpoint of a member by name. */
  endpointOf(name: string): string {
    return `127.0.0.1:${this.#byName(name).clientPort}`;
  }

  /** Pids of the live members, by name. */
  pids(): Map<string, number> {
    return new Map(this.#members.flatMap((m) => (m.child?.pid !== undefined && m.child.exitCode === null ? [[m.name, m.child.pid] as const] : [])));
  }

  /** Resident set size of each live member (bytes), from /proc. */
  rss(): Map<string, number> {
    return new Map([...this.pids()].map(([name, pid]) => [name, rssOf(pid)]));
  }

  #byName(name: string): Member {
    const m = this.#members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no etcd member ${name}`);
    return m;
  }

  #args(m: Member): string[] {
    const peers = this.#members.map((p) => `${p.name}=http://127.0.0.1:${p.peerPort}`).join(',');
    const tls = this.#options.tls;
    const client = `${tls ? 'https' : 'http'}://127.0.0.1:${m.clientPort}`;
    const peer = `http://127.0.0.1:${m.peerPort}`;
    // The defaults spelled out: they are what the comparison rests on.
    return [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', peers, '--initial-cluster-state', 'new', '--initial-cluster-token', `bench-${this.root.slice(-6)}`,
      '--heartbeat-interval', '100', '--election-timeout', '1000',
      '--logger', 'zap', '--log-outputs', 'stderr',
      ...(tls ? ['--cert-file', tls.server.cert, '--key-file', tls.server.key, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : []),
    ];
  }

  #spawn(m: Member): void {
    // etcd's log goes to a file next to the data: the first place to look when a member fails.
    const log = openSync(join(this.root, `${m.name}.log`), 'a');
    try {
      m.child = spawn(this.#binary, this.#args(m), { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
  }

  /** Waits until every live member answers Status and all name the same leader; answers its name. */
  async waitHealthy(timeoutMs = 60_000, pollMs = 10): Promise<string> {
    const live = this.#members.filter((m) => m.child !== undefined && m.child.exitCode === null && m.child.signalCode === null);
    const tls = this.#options.tls;
    const client = new EtcdClient({ endpoints: live.map((m) => `127.0.0.1:${m.clientPort}`), ...(tls ? { tls: { cacert: tls.ca, ...tls.client } } : {}) });
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const leader = await agreedLeader(client, live);
        if (leader !== undefined) return leader;
        const dead = live.find((m) => m.child!.exitCode !== null);
        if (dead !== undefined) throw new MemberExited(`etcd member ${dead.name} exited with ${dead.child!.exitCode}: ${this.#lastLogLine(dead)}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
      throw new Error(`the etcd members agreed on no leader within ${timeoutMs / 1000}s`);
    } finally {
      client.close();
    }
  }

  /** The last line of a member's log: the log goes with the data when the run cleans up. */
  #lastLogLine(m: Member): string {
    try {
      const lines = readFileSync(join(this.root, `${m.name}.log`), 'utf8').trim().split('\n');
      return lines.at(-1) ?? '(empty log)';
    } catch {
      return '(no log)';
    }
  }

  /** SIGKILLs one member; resolves once its process is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.#byName(name);
    if (m.child !== undefined) await exitOf(m.child, signal);
  }

  /** Sends a signal to a live member without waiting (SIGSTOP, SIGCONT). */
  signal(name: string, signal: NodeJS.Signals): void {
    killPid(this.#byName(name).child?.pid, signal);
  }

  /** Starts a killed member again on its data dir (etcd ignores the initial-cluster flags then). */
  restart(name: string): void {
    const m = this.#byName(name);
    if (m.child !== undefined && m.child.exitCode === null && m.child.signalCode === null) throw new Error(`etcd member ${name} is still running`);
    this.#spawn(m);
  }

  /** Kills every member (by pid) and removes the data. */
  async stop(): Promise<void> {
    await Promise.all(this.#members.map((m) => (m.child === undefined ? undefined : exitOf(m.child, 'SIGKILL'))));
    this.#killAllSync(true);
    this.#unregister();
  }

  #killAllSync(removeData: boolean): void {
    for (const m of this.#members) {
      // A stopped member must be continued to die of SIGKILL promptly on every kernel.
      killPid(m.child?.pid, 'SIGCONT');
      if (m.child?.exitCode === null && m.child.signalCode === null) killPid(m.child.pid, 'SIGKILL');
    }
    if (removeData) rmSync(this.root, { recursive: true, force: true });
  }
}

/** A member died before the cluster was healthy: the log's last line says why. */
class MemberExited extends Error {}

/** The leader all of `live` agree on (by member name), or undefined. */
async function agreedLeader(client: EtcdClient, live: readonly Member[]): Promise<string | undefined> {
  const statuses = await Promise.all(live.map((m) => client.status(`127.0.0.1:${m.clientPort}`, 500).catch(() => undefined)));
  if (statuses.some((s) => s === undefined)) return undefined;
  const leaders = new Set(statuses.map((s) => s!.leaderId));
  const [leader] = [...leaders];
  if (leaders.size !== 1 || leader === undefined || leader === '0') return undefined;
  // Status names the leader by id; the members' own answers map ids to names.
  const index = statuses.findIndex((s) => s!.memberId === leader);
  return index >= 0 ? live[index]!.name : undefined;
}

/** Signals a child and resolves once it has exited (at once if it already had). */
function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    killPid(child.pid, 'SIGCONT');
    killPid(child.pid, signal);
  });
}
