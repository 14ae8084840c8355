import type { ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { FleetClient } from '../../src/client/index.js';
import type { FleetClientOptions } from '../../src/client/index.js';
import { randomBytes } from 'node:crypto';
import { createAuthority, createMemberCert, createOperatorCert, loadAuthority, type CertFiles } from '../../src/ops/local-cluster/certs.js';
import { freePort, spawnCli, spawnProgram, stopChild, tempDir, waitFor } from './processes.js';

interface Member {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  child: ChildProcess | undefined;
  output: () => string;
  /** Starts with `--join` (knowing no other member) instead of `--peers`. */
  joins?: boolean;
  /** Where it serves Prometheus metrics, when the cluster was started with `metrics`. */
  metricsPort?: number;
  /** Flags of this member only, after the cluster's (set by `restart(id, args)`). */
  extraArgs?: readonly string[];
}

export interface TestClusterOptions {
  readonly size?: number;
  readonly snapshotEvery?: number;
  readonly extraArgs?: readonly string[];
  readonly heartbeat?: string;
  readonly electionTimeout?: string;
  /** Start members with these bearer tokens; clients made by `client()` present `token`. */
  readonly token?: string;
  readonly adminToken?: string;
  /** A read-only token members also accept (`--read-token-file`). */
  readonly readToken?: string;
  /** Names the token files give `token`, `adminToken` and `readToken` (a `name:` line), for the audit log. */
  readonly tokenNames?: { readonly token?: string; readonly adminToken?: string; readonly readToken?: string };
  /** Certificates clients made by `client()` verify members with (members started with --tls-*). */
  readonly clientTls?: { readonly cacert?: string; readonly cert?: string; readonly key?: string };
  /**
   * How members authenticate each other: a peer secret file (the default, as `fleet init`
   * starts them), mutual TLS with certificates from a test CA (clients then present the
   * operator's), or nothing (members trust the id a stream claims).
   */
  readonly peerAuth?: 'secret' | 'mtls' | 'none';
  /** Serve metrics on a loopback port per member (`Member.metricsPort`). */
  readonly metrics?: boolean;
  /** The build members run (its bin/run.js; default this checkout's): an upgrade drill starts from an older one. */
  readonly script?: string;
  /** Flags of single members (by id), after `extraArgs`. */
  readonly memberArgs?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Real coordinator members (`fleet node start` processes) on loopback ports, each with its
 * own data dir under one temp dir. `destroy()` ends every process it started and removes the data.
 */
export class TestCluster {
  readonly members: Member[] = [];
  private readonly root = tempDir('fleet-e2e-');
  private readonly clients: FleetClient[] = [];
  /** The shared peer secret, when members authenticate with one. */
  readonly peerSecret: string | undefined;
  private memberCerts = new Map<string, CertFiles>();
  /** The test CA and the operator's certificate, when members run mutual TLS. */
  tls: { readonly ca: string; readonly operator: CertFiles } | undefined;

  private constructor(private readonly opts: TestClusterOptions) {
    this.peerSecret = (opts.peerAuth ?? 'secret') === 'secret' ? randomBytes(32).toString('hex') : undefined;
  }

  static async start(opts: TestClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(opts);
    const size = opts.size ?? 3;
    for (let i = 1; i <= size; i++) {
      const dataDir = join(cluster.root.path, `n${i}`);
      mkdirSync(dataDir, { recursive: true });
      const metricsPort = opts.metrics ? await freePort() : undefined;
      cluster.members.push({ id: `n${i}`, port: await freePort(), dataDir, child: undefined, output: () => '', ...(metricsPort ? { metricsPort } : {}) });
    }
    try {
      if (opts.peerAuth === 'mtls') await cluster.createCertificates();
      for (const m of cluster.members) cluster.launch(m);
      await cluster.waitForLeader();
    } catch (err) {
      const logs = cluster.logs();
      await cluster.destroy();
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
    }
    return cluster;
  }

  private async createCertificates(): Promise<void> {
    const dir = join(this.root.path, 'certs');
    mkdirSync(dir, { recursive: true });
    const ca = await createAuthority(dir, 'fleet');
    for (const m of this.members) this.memberCerts.set(m.id, await createMemberCert(ca, dir, m.id, '127.0.0.1'));
    this.tls = { ca: ca.files.cert, operator: await createOperatorCert(ca, dir) };
  }

  get endpoints(): string[] {
    return this.members.map((m) => `127.0.0.1:${m.port}`);
  }

  member(id: string): Member {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  private peersFlag(): string {
    return this.members.filter((m) => !m.joins).map((m) => `${m.id}=127.0.0.1:${m.port}`).join(',');
  }

  /** Reserves a port and a data dir for a member that will start with `--join`; launch it with `launch`. */
  async addJoiner(id: string): Promise<Member> {
    const dataDir = join(this.root.path, id);
    mkdirSync(dataDir, { recursive: true });
    const m: Member = { id, port: await freePort(), dataDir, child: undefined, output: () => '', joins: true };
    if (this.tls) {
      const ca = await loadAuthority(join(this.root.path, 'certs'));
      this.memberCerts.set(id, await createMemberCert(ca, join(this.root.path, 'certs'), id, '127.0.0.1'));
    }
    this.members.push(m);
    return m;
  }

  launch(m: Member): void {
    const args = [
      'node', 'start', '--id', m.id, '--data-dir', m.dataDir, '--listen', `127.0.0.1:${m.port}`, ...(m.joins ? ['--join'] : ['--peers', this.peersFlag()]),
      '--heartbeat', this.opts.heartbeat ?? '100ms', '--election-timeout', this.opts.electionTimeout ?? '1000ms',
      '--snapshot-every', String(this.opts.snapshotEvery ?? 10_000), ...(this.opts.extraArgs ?? []), ...this.tokenArgs(), ...this.peerAuthArgs(m.id),
      ...(m.metricsPort ? ['--metrics-listen', `127.0.0.1:${m.metricsPort}`] : []),
      ...(this.opts.memberArgs?.[m.id] ?? []), ...(m.extraArgs ?? []),
    ];
    const { child, output } = this.opts.script === undefined ? spawnCli(args, MEMBER_ENV, MEMBER_NODE_OPTIONS) : spawnProgram([...MEMBER_NODE_OPTIONS, this.opts.script, ...args], { env: MEMBER_ENV });
    m.child = child;
    m.output = output;
  }

  private tokenArgs(): string[] {
    const args: string[] = [];
    const names = this.opts.tokenNames ?? {};
    const files = [
      ['--token-file', this.opts.token, names.token],
      ['--admin-token-file', this.opts.adminToken, names.adminToken],
      ['--read-token-file', this.opts.readToken, names.readToken],
    ] as const;
    for (const [flag, secret, name] of files) {
      if (secret) args.push(flag, this.secretFile(flag.slice(2), name === undefined ? secret : `name: ${name}\n${secret}`));
    }
    return args;
  }

  /**
   * Files, mode 0600, under the cluster's root; the same name gives the same file. Written to a
   * temporary name and renamed into place: every member's start writes it again, and a member
   * already started may be reading it (it once read it empty, half-way through a rewrite).
   */
  secretFile(name: string, content: string): string {
    const file = join(this.root.path, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${content}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return file;
  }

  private peerAuthArgs(id: string): string[] {
    if (this.peerSecret) return ['--peer-secret-file', this.secretFile('peer-secret', this.peerSecret)];
    const cert = this.memberCerts.get(id);
    return cert && this.tls ? ['--tls-cert', cert.cert, '--tls-key', cert.key, '--tls-ca', this.tls.ca] : [];
  }

  /** A member's certificate and key (mutual TLS clusters). */
  certificateOf(id: string): CertFiles {
    const cert = this.memberCerts.get(id);
    if (!cert) throw new Error(`no certificate for ${id}`);
    return cert;
  }

  client(opts: Partial<FleetClientOptions> = {}): FleetClient {
    const token = this.opts.adminToken ?? this.opts.token;
    const tls = this.opts.clientTls ?? (this.tls ? { cacert: this.tls.ca, cert: this.tls.operator.cert, key: this.tls.operator.key } : undefined);
    const c = new FleetClient({ endpoints: this.endpoints, callTimeoutMs: 2_000, overallTimeoutMs: 20_000, ...(token ? { token } : {}), ...(tls ? { tls } : {}), ...opts });
    this.clients.push(c);
    return c;
  }

  /** Waits until a leader is known to every running member; returns its id. */
  async waitForLeader(timeoutMs = 30_000): Promise<string> {
    const probe = this.client({ callTimeoutMs: 500 });
    return waitFor('a leader known to every running member', async () => {
      const all = await probe.statusAll();
      const running = new Set(this.members.filter((m) => m.child).map((m) => `127.0.0.1:${m.port}`));
      const live = all.filter((s) => running.has(s.endpoint));
      if (live.some((s) => !s.ok)) return undefined;
      const leaders = new Set(live.map((s) => (s.ok ? s.status.leaderId : '')));
      const [leader] = [...leaders];
      return leaders.size === 1 && leader ? leader : undefined;
    }, timeoutMs);
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.member(id);
    if (m.child) await stopChild(m.child, signal);
    m.child = undefined;
  }

  /** Starts a stopped member again; `extraArgs` replace the member's own flags from the last restart (flags given later win). */
  restart(id: string, extraArgs?: readonly string[]): void {
    const m = this.member(id);
    if (extraArgs !== undefined) m.extraArgs = extraArgs;
    this.launch(m);
  }

  /** Output of every member, for failure messages: its last lines, or only those that match `only`. */
  logs(only?: RegExp): string {
    const of = (text: string): string => (only ? text.split('\n').filter((l) => only.test(l)).join('\n') : text).slice(-4000);
    return this.members.map((m) => `--- ${m.id}\n${of(m.output())}`).join('\n');
  }

  async destroy(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.members.map((m) => (m.child ? stopChild(m.child, 'SIGKILL') : undefined)));
    this.root.cleanup();
  }
}
