/**
 * Two PostgreSQL instances under two Patroni processes (Debian's `patroni` and `postgresql`),
 * with an etcd v3 DCS given as `etcd3: hosts` and a user and password: what
 * test/e2e/patroni.long.test.ts runs on etcd and on fleet. PostgreSQL refuses to run as root, so
 * Patroni (and the postgres it starts) runs as the `postgres` user in a temp dir that user owns.
 * Every process is tracked by pid: Patroni's, each postmaster and its children; `stop()` ends
 * them all and answers those it found still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, runProgram, waitFor } from './processes.js';

/** Where Debian keeps the programs of the newest PostgreSQL installed (/usr/lib/postgresql/VERSION/bin). */
export function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql', { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d+$/.test(d.name)).map((d) => Number(d.name));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: apt-get install postgresql (npm test installs it: scripts/system-tools.mjs)');
  return `/usr/lib/postgresql/${Math.max(...versions)}/bin`;
}

/** The DCS Patroni is given: its members' client addresses and the credentials it logs in with. */
export interface Dcs {
  readonly hosts: readonly string[];
  readonly username: string;
  readonly password: string;
}

/**
 * Patroni's timing, small enough for a test of minutes: the leader key lives `ttl` seconds past
 * its last refresh, each member's loop runs every `loop_wait`, and a DCS call is retried for up
 * to `retry_timeout`. Patroni wants loop_wait + 2 × retry_timeout ≤ ttl.
 */
export const PATRONI_TIMING = { ttl: 10, loop_wait: 2, retry_timeout: 4 } as const;

interface Member {
  readonly name: string;
  readonly dir: string;
  readonly restPort: number;
  readonly pgPort: number;
  child: ChildProcess | undefined;
  log: string;
}

/** One Patroni row of `patronictl list -f json`. */
export interface ListedMember {
  readonly Member: string;
  readonly Role: string;
  readonly State: string;
  readonly TL?: number;
}

/** The postgres user, which Patroni runs as. */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error('no postgres user: apt-get install postgresql (npm test installs it: scripts/system-tools.mjs)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Pids whose parent is `pid` (a postmaster's backends and workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Two Patroni members, `pg1` and `pg2`, of one Patroni cluster (`scope`) on a DCS. */
export class PatroniPair {
  readonly members: Member[] = [];
  /** Every postmaster pid and child pid seen, for `stop()` to make sure none is left. */
  readonly #seen = new Set<number>();
  readonly #user = postgresUser();
  readonly #bin = postgresBin();

  private constructor(
    readonly root: string,
    readonly scope: string,
    private readonly dcs: Dcs,
  ) {}

  /**
   * Prepares the members in `root` (made the postgres user's; the dirs above it are opened for it
   * to pass through, not to read) without starting them.
   */
  static async prepare(root: string, scope: string, dcs: Dcs): Promise<PatroniPair> {
    const pair = new PatroniPair(root, scope, dcs);
    for (let d = dirname(root); d !== '/'; d = dirname(d)) {
      const mode = statSync(d).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    }
    chownSync(root, pair.#user.uid, pair.#user.gid);
    for (const name of ['pg1', 'pg2']) {
      const dir = join(root, name);
      mkdirSync(dir);
      chownSync(dir, pair.#user.uid, pair.#user.gid);
      const member: Member = { name, dir, restPort: await freePort(), pgPort: await freePort(), child: undefined, log: '' };
      pair.members.push(member);
      writeFileSync(pair.configOf(name), JSON.stringify(pair.#config(member), null, 2));
    }
    return pair;
  }

  member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no Patroni member ${name}`);
    return m;
  }

  /** The config file of a member (JSON, which is YAML too). */
  configOf(name: string): string {
    return join(this.root, `${name}.yml`);
  }

  #config(m: Member): object {
    return {
      scope: this.scope,
      name: m.name,
      restapi: { listen: `127.0.0.1:${m.restPort}`, connect_address: `127.0.0.1:${m.restPort}` },
      etcd3: { hosts: [...this.dcs.hosts], protocol: 'http', username: this.dcs.username, password: this.dcs.password },
      bootstrap: {
        dcs: {
          ...PATRONI_TIMING,
          maximum_lag_on_failover: 1_048_576,
          postgresql: {
            use_pg_rewind: false,
            parameters: { max_connections: 20, max_wal_senders: 5, max_replication_slots: 5, wal_level: 'replica', hot_standby: 'on' },
          },
        },
        initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'no-sync'],
      },
      postgresql: {
        listen: `127.0.0.1:${m.pgPort}`,
        connect_address: `127.0.0.1:${m.pgPort}`,
        data_dir: join(m.dir, 'data'),
        bin_dir: this.#bin,
        pgpass: join(m.dir, 'pgpass'),
        authentication: { superuser: { username: 'postgres', password: 'pg-secret' }, replication: { username: 'replicator', password: 'rep-secret' } },
        // A test's database: nothing here needs to survive a crash of the machine.
        parameters: { unix_socket_directories: m.dir, shared_buffers: '16MB', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
        pg_hba: ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication replicator 127.0.0.1/32 trust'],
      },
      log: { level: 'INFO' },
    };
  }

  /** Starts a member's Patroni as the postgres user; its log is kept (`logOf`). */
  start(name: string): void {
    const m = this.member(name);
    const env = { PATH: `${this.#bin}:/usr/bin:/bin`, HOME: m.dir, TMPDIR: m.dir, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' };
    const child = spawn('/usr/bin/patroni', [this.configOf(name)], { cwd: m.dir, env, uid: this.#user.uid, gid: this.#user.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      m.log += d.toString();
      if (m.log.length > 400_000) m.log = m.log.slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    m.child = child;
  }

  logOf(name: string): string {
    return this.member(name).log;
  }

  /** The last lines of both members' logs, for a failure's message. */
  logs(lines = 40): string {
    return this.members.map((m) => `--- patroni ${m.name}\n${m.log.split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** The pid of a member's postmaster, from its data dir, while it runs. */
  postmasterOf(name: string): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.member(name).dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records a member's postmaster and its children, so that `stop()` knows every one of them. */
  #noteProcesses(name: string): void {
    const pm = this.postmasterOf(name);
    if (pm === undefined) return;
    this.#seen.add(pm);
    for (const c of childrenOf(pm)) this.#seen.add(c);
  }

  /** GETs a path of a member's REST API: its status code and JSON body (undefined when unreachable). */
  async rest(name: string, path: string): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.member(name).restPort}${path}`, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
    } catch {
      return undefined;
    }
  }

  /** Whether a member is the primary holding the leader key (Patroni's `GET /primary` answers 200). */
  async isPrimary(name: string): Promise<boolean> {
    const r = await this.rest(name, '/primary');
    if (r?.status === 200) this.#noteProcesses(name);
    return r?.status === 200;
  }

  /** `patronictl list` as JSON, run as root with a member's config (only its DCS settings are used). */
  async list(): Promise<ListedMember[]> {
    const r = await runProgram('/usr/bin/patronictl', ['-c', this.configOf('pg1'), 'list', '-f', 'json'], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`patronictl list exited with ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as ListedMember[];
  }

  /** Waits until `patronictl list` shows `leader` as the Leader and `replica` as a running Replica that streams from it. */
  async waitLeaderAndReplica(leader: string, replica: string, timeoutMs = 120_000): Promise<ListedMember[]> {
    return waitFor(`patronictl list to show ${leader} as the Leader and ${replica} as a streaming Replica`, async () => {
      const rows = await this.list();
      const byName = new Map(rows.map((r) => [r.Member, r]));
      if (byName.get(leader)?.Role !== 'Leader' || byName.get(leader)?.State !== 'running') return undefined;
      if (byName.get(replica)?.Role !== 'Replica' || !['running', 'streaming'].includes(byName.get(replica)?.State ?? '')) return undefined;
      // The leader's own view: a WAL sender to the replica in state streaming.
      const status = await this.rest(leader, '/patroni');
      const senders = (status?.body.replication ?? []) as { application_name?: string; state?: string }[];
      if (!senders.some((s) => s.application_name === replica && s.state === 'streaming')) return undefined;
      this.#noteProcesses(leader);
      this.#noteProcesses(replica);
      return rows;
    }, timeoutMs, 500);
  }

  /** Runs SQL on a member's postgres (over TCP, as the postgres role), answering psql's unaligned output. */
  async sql(name: string, query: string): Promise<string> {
    const r = await runProgram(join(this.#bin, 'psql'), ['-h', '127.0.0.1', '-p', String(this.member(name).pgPort), '-U', 'postgres', '-d', 'postgres', '-Atc', query], { timeoutMs: 20_000 });
    if (r.code !== 0) throw new Error(`psql on ${name}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Resolves at the next log line in which `name` says it holds the leader lock (just after its loop refreshed the key). */
  async nextLeaderLoop(name: string, timeoutMs = 30_000): Promise<void> {
    const marker = `no action. I am (${name}), the leader with the lock`;
    const count = () => this.logOf(name).split(marker).length;
    const before = count();
    await waitFor(`${name} to log another loop as the leader`, () => count() > before || undefined, timeoutMs, 10);
  }

  /** SIGKILLs a member's Patroni, then stops its postgres at once (SIGQUIT: immediate shutdown), and waits until they are gone. */
  async kill(name: string): Promise<void> {
    const m = this.member(name);
    this.#noteProcesses(name);
    const pm = this.postmasterOf(name);
    if (m.child?.pid !== undefined) signal(m.child.pid, 'SIGKILL');
    if (pm !== undefined) signal(pm, 'SIGQUIT');
    const exited = () => m.child === undefined || m.child.exitCode !== null || m.child.signalCode !== null;
    await waitFor(`${name}'s Patroni and postgres to be gone`, () => (exited() && (pm === undefined || !alive(pm))) || undefined, 20_000, 20);
  }

  /**
   * Ends every process of the pair: Patroni (SIGKILL), each postmaster (SIGQUIT, then SIGKILL),
   * and any child of a postmaster still there. Answers the pids it had to kill after the grace.
   */
  async stop(): Promise<number[]> {
    for (const m of this.members) {
      this.#noteProcesses(m.name);
      if (m.child?.pid !== undefined) signal(m.child.pid, 'SIGKILL');
      const pm = this.postmasterOf(m.name);
      if (pm !== undefined) signal(pm, 'SIGQUIT');
    }
    const deadline = Date.now() + 10_000;
    while ([...this.#seen].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const stuck = [...this.#seen].filter(alive);
    for (const pid of stuck) signal(pid, 'SIGKILL');
    await waitFor('the killed postgres processes to be gone', () => !stuck.some(alive) || undefined, 10_000, 50);
    return stuck;
  }
}
