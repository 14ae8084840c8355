/**
 * FleetCommand: the base of every command that talks to a cluster (or prints data). It owns
 * the shared flags (targeting, credentials, --timeout, --debug, --json), builds the client
 * lazily, and turns every failure into one line on stderr — or one JSON document on stdout
 * with --json — and the exit code DESIGN.md gives.
 *
 * Start-up is part of the product: this module imports only @oclif/core and small local
 * helpers. grpc, yaml and ajv load inside the methods that need them.
 */
import { Command, Errors, Flags, toConfiguredId, type Interfaces } from '@oclif/core';
import type { FleetClient } from '../client/index.js';
import type { EtcdClient } from '../client/etcd/index.js';
import type { Engine } from '../client/engine.js';
import type { Registry } from '../client/registry.js';
import type { ContextStore } from '../client/contexts.js';
import type { StoppableProgress } from '../ui/spinner.js';
import type { StatusModel } from '../ops/status.js';
import type { Palette } from '../ui/colors.js';
import { EXIT, UsageError, oneLine, printFailure, reportOf, type ErrorReport } from '../common/errors.js';
import { endpointsFlag, timeoutFlag } from './flags.js';
import { etcdClientOf, registryPrefixOf, resolveTarget, type Target, type TargetFlags } from './target.js';

/** The values of the shared flags, after parsing. */
export interface GlobalFlags extends TargetFlags {
  /** Milliseconds: the deadline of each call and of all its retries. */
  readonly timeout: number;
  readonly debug: boolean;
  readonly json: boolean;
}

/** Options of `client()`. */
export interface ClientOptions {
  /** Use the context's admin token (membership, leadership, snapshots, prune, forced removal, plan apply). */
  readonly admin?: boolean;
  /** Override --timeout for this client (e.g. a long wait). */
  readonly timeoutMs?: number;
  /** Talk to these endpoints instead of the target's, with the target's credentials. */
  readonly endpoints?: readonly string[];
  /**
   * `--request-id`: the client's session is `req-ID`, so its first write is seq 1 of that
   * session on every run, and the registry applies it at most once (a command that takes the
   * flag makes one write).
   */
  readonly requestId?: string | undefined;
}

/** A write's answer as commands print it (etcd reports no Raft index). */
interface WriteAnswer {
  readonly index?: number;
  readonly alreadyApplied?: true;
}

const TARGET = 'TARGET';

/**
 * The shared flags; exported so commands that do not talk to a cluster can reuse a subset. A
 * command must not define a flag of the same name while keeping these as its base flags:
 * `globals` would read the command's value (e.g. a fencing token taken for the bearer token).
 */
export const GLOBAL_FLAGS = {
  context: Flags.string({ description: 'context to use (default: the current one; env FLEET_CONTEXT)', helpGroup: TARGET, helpValue: '<name>' }),
  endpoints: endpointsFlag({ description: "members' host:port, comma-separated (env FLEET_ENDPOINTS); overrides the context", helpGroup: TARGET }),
  token: Flags.string({ description: 'bearer token (env FLEET_TOKEN); overrides the context\'s token file', helpGroup: TARGET, helpValue: '<token>' }),
  cacert: Flags.string({ description: 'CA certificate (PEM) to verify members with', helpGroup: TARGET, helpValue: '<file>' }),
  cert: Flags.string({ description: 'client certificate (PEM), presented to members run with --tls-ca (mutual TLS), which require one; members without a CA ignore it', helpGroup: TARGET, helpValue: '<file>' }),
  key: Flags.string({ description: 'client private key (PEM)', helpGroup: TARGET, helpValue: '<file>' }),
  engine: Flags.option({ options: ['fleet', 'etcd'] as const, description: 'what the --endpoints speak: fleet (default) or etcd v3 (env FLEET_ENGINE); a context records its own', helpGroup: TARGET })(),
  timeout: timeoutFlag({ description: 'deadline of each request, retries included', default: 5_000, defaultHelp: async () => '5s', helpGroup: TARGET }),
  debug: Flags.boolean({ description: 'print stack traces and causes of errors', default: false, helpGroup: 'GLOBAL' }),
};

/**
 * The base command. Subclasses call `this.parse(Cmd)` first, then `this.client()`; `run()`
 * returns the data `--json` prints. Invariants: every client built is closed in `finally`, and
 * nothing but oclif's entry point exits the process.
 */
export abstract class FleetCommand extends Command {
  static override enableJsonFlag = true;
  static override baseFlags: Interfaces.FlagInput = GLOBAL_FLAGS;

  #globals: GlobalFlags | undefined;
  readonly #clients: { close(): void }[] = [];

  /** Parses like oclif, remembers the shared flags, and makes any parse failure a usage error (exit 2). */
  protected override async parse<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      const result = await super.parse(options, argv);
      const f = result.flags as Partial<GlobalFlags>;
      this.#globals = { ...f, timeout: f.timeout ?? 5_000, debug: f.debug ?? false, json: this.jsonEnabled() };
      return result;
    } catch (err) {
      if (err instanceof Errors.ExitError) throw err;
      const { suggestFlag } = await import('./suggest.js');
      const visible = Object.entries({ ...options?.baseFlags, ...options?.flags }).filter(([, f]) => !(f as { hidden?: boolean }).hidden).map(([name]) => name);
      // oclif adds --json itself (enableJsonFlag), outside the flags it was given.
      const names = this.ctor.enableJsonFlag ? [...new Set(['json', ...visible])] : visible;
      const suggestion = suggestFlag(err, names);
      throw new UsageError(parseMessage(err) + suggestion, this.helpHint(), err);
    }
  }

  /** The shared flags; only after `parse()`. */
  protected get globals(): GlobalFlags {
    if (this.#globals === undefined) throw new Error(`${this.id}: parse() must run before the shared flags are read`);
    return this.#globals;
  }

  /** `see fleet <command> --help`. */
  protected helpHint(): string {
    const id = this.id === undefined ? '' : ` ${toConfiguredId(this.id, this.config)}`;
    return `see ${this.config.bin}${id} --help`;
  }

  /** The context store (loaded on first use: it pulls in yaml and ajv). */
  protected async contextStore(): Promise<ContextStore> {
    const { ContextStore: Store } = await import('../client/contexts.js');
    return new Store();
  }

  /** The cluster this command talks to: flag > env > current context. */
  protected async target(opts: { admin?: boolean } = {}): Promise<Target> {
    const readToken = async (file: string, what: string) => (await import('../client/contexts.js')).readTokenFile(file, what);
    return resolveTarget(this.globals, { ...opts, store: () => this.contextStore(), readToken });
  }

  /**
   * The target's Engine (src/client/engine.ts), fleet's or etcd's: the membership, leadership,
   * kv and snapshot commands call it and render one set of types, whatever the engine.
   */
  protected async engine(opts: Omit<ClientOptions, 'endpoints'> = {}): Promise<Engine> {
    const target = await this.target(opts);
    if (target.engine === 'etcd') {
      const { EtcdEngine } = await import('../client/etcd/engine.js');
      return new EtcdEngine(await this.etcdClient(opts), this.globals.timeout);
    }
    const { FleetEngine } = await import('../client/fleet-engine.js');
    // A would-be member is probed within --timeout, whatever the change itself may take.
    return new FleetEngine(await this.client(opts), (endpoints) => this.client({ ...(opts.admin === undefined ? {} : { admin: opts.admin }), endpoints }));
  }

  /**
   * Refuses (usage, exit 2) on etcd the given flags that fleet has and etcd has not; with
   * `message`, says that instead of naming them.
   */
  protected refuseOnEtcd(engine: Engine, given: Readonly<Record<string, boolean>>, message?: string): void {
    if (engine.kind !== 'etcd') return;
    const names = Object.keys(given).filter((name) => given[name]);
    if (names.length === 0) return;
    throw new UsageError(message ?? `${names.join(' and ')} ${names.length === 1 ? 'does' : 'do'} not apply to an etcd cluster`, this.helpHint());
  }

  /** A client of the target etcd cluster, closed when the command ends. */
  protected async etcdClient(opts: { timeoutMs?: number } = {}): Promise<EtcdClient> {
    const client = await etcdClientOf(await this.target(), opts.timeoutMs ?? this.globals.timeout);
    this.#clients.push(client);
    return client;
  }

  /**
   * The registry of the target, on either engine: fleet's own (its gRPC service) or kept in an
   * etcd cluster (under FLEET_ETCD_PREFIX, else the context's --prefix, else /fleet/). Commands
   * that read or write the registry through this run unchanged against both.
   */
  protected async registry(opts: ClientOptions = {}): Promise<Registry> {
    const target = await this.target(opts);
    if (target.engine !== 'etcd') return this.client(opts);
    if (opts.requestId !== undefined) throw new UsageError('--request-id does not apply to an etcd cluster (engine etcd): etcd keeps no client sessions to answer a retry from', this.helpHint());
    const { EtcdRegistry } = await import('../client/etcd/registry/registry.js');
    return new EtcdRegistry(await this.etcdClient(), registryPrefixOf(target));
  }

  /** A client of the target cluster, closed when the command ends. grpc loads here, not before. */
  protected async client(opts: ClientOptions = {}): Promise<FleetClient> {
    const target = await this.target(opts);
    // Every command without an etcd form comes through here: it says so in one line (usage, exit 2).
    if (target.engine === 'etcd') {
      const id = this.id === undefined ? 'this command' : `fleet ${toConfiguredId(this.id, this.config)}`;
      throw new UsageError(`${id} does not apply to an etcd cluster (engine etcd${target.context === undefined ? '' : `, context ${target.context}`})`, 'against etcd: status, top, members, leader transfer, snapshot save, kv, the registry (shards, clusters, rebind and plans, domains, quotas, providers, leases), and drills on a local etcd cluster');
    }
    const { FleetClient: Client } = await import('../client/fleet-client.js');
    const timeout = opts.timeoutMs ?? this.globals.timeout;
    const client = new Client({
      endpoints: opts.endpoints ?? target.endpoints,
      ...(target.token === undefined ? {} : { token: target.token }),
      ...(target.tls === undefined ? {} : { tls: target.tls }),
      ...(target.region === undefined ? {} : { region: target.region }),
      callTimeoutMs: timeout,
      overallTimeoutMs: timeout,
      ...(opts.requestId === undefined ? {} : { clientId: `req-${opts.requestId}` }),
      // One short back-off: a CLI call should fail within --timeout, not spin.
      backoffMs: { initial: 50, max: 500 },
    });
    this.#clients.push(client);
    return client;
  }

  /**
   * Prints a write's line and answers the write (what --json prints). A retry the registry had
   * already applied (`--request-id`) says so: what it prints is the first run's answer.
   */
  protected wrote<W extends WriteAnswer>(answer: W, line: string): W {
    this.log(answer.alreadyApplied ? `already applied at index ${answer.index}, nothing changed now: ${line}` : line);
    return answer;
  }

  /** The `fleet status` model of an etcd target (the safety gates read it as they read fleet's). */
  protected async etcdStatusModel(client: EtcdClient): Promise<StatusModel> {
    const { collectEtcdStatus } = await import('../ops/etcd/status.js');
    return collectEtcdStatus(client, this.globals.timeout);
  }

  /** The status model a safety gate previews a change on, on either engine. */
  protected async gateModel(opts: { admin?: boolean } = {}): Promise<StatusModel> {
    if ((await this.target()).engine === 'etcd') return this.etcdStatusModel(await this.etcdClient());
    return this.statusModel(await this.client(opts));
  }

  /** The `fleet status` model of the target (members outside the endpoints are probed too). */
  protected async statusModel(client?: FleetClient): Promise<StatusModel> {
    const c = client ?? (await this.client());
    const { collectStatus } = await import('../ops/status.js');
    return collectStatus(c, async (addresses) => (await this.client({ endpoints: addresses })).statusAll());
  }

  /**
   * Runs long work with a spinner on stderr (a terminal only) and Ctrl-C turned into `signal`,
   * so that the work stops cleanly; both are gone once it settles.
   */
  protected async withProgress<T>(work: (progress: StoppableProgress, signal: AbortSignal) => Promise<T>): Promise<T> {
    const [{ terminalProgress }, { onInterrupt }] = await Promise.all([import('../ui/spinner.js'), import('../ops/local-cluster/interrupt.js')]);
    const progress = terminalProgress(process.stderr);
    const interrupt = onInterrupt();
    try {
      return await work(progress, interrupt.signal);
    } finally {
      progress.stop();
      interrupt.dispose();
    }
  }

  /** The colours for human output on stdout (none with NO_COLOR or when stdout is not a terminal). */
  protected async palette(): Promise<Palette> {
    const { stdoutPalette } = await import('../ui/colors.js');
    return stdoutPalette();
  }

  /** A broken pipe (`fleet clusters list | head`) ends the output quietly. */
  protected override async init(): Promise<void> {
    await super.init();
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exitCode = process.exitCode ?? 0;
      else throw err;
    });
  }

  /** One line on stderr (or the JSON error document on stdout) and the exit code, via oclif's ExitError. */
  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    // The reader of a pipe left (`| head`): it has all it wanted; end quietly.
    if (err.name === 'BrokenPipe' || (err as NodeJS.ErrnoException).code === 'EPIPE') throw new Errors.ExitError(process.exitCode === undefined ? 0 : Number(process.exitCode));
    const mapped = reportOf(err);
    // Every usage error points at the command's help, wherever it was raised.
    const report = mapped.exitCode === EXIT.usage && mapped.hint === undefined ? { ...mapped, hint: this.helpHint() } : mapped;
    this.printError(report, err);
    // oclif's entry point turns ExitError into process exit without printing anything more.
    throw new Errors.ExitError(report.exitCode);
  }

  /** Prints a failure: JSON document on stdout with --json, else one line on stderr (+ stack with --debug). */
  protected printError(report: ErrorReport, err: unknown): void {
    printFailure(report, err, { json: this.jsonEnabled(), debug: this.#globals?.debug ?? this.argv.includes('--debug') });
  }

  /** Closes every client this command built, so the process can exit. */
  protected override async finally(err: Error | undefined): Promise<void> {
    for (const c of this.#clients.splice(0)) c.close();
    await super.finally(err);
  }
}

/** oclif's parse messages span lines and end with "See more help with --help"; fold them into one. */
export function parseMessage(err: unknown): string {
  const raw = (err instanceof Error ? err.message : String(err)).replace(/See more help with --help/g, '').replace(/^The following errors? occurred:\s*/, '');
  const args = /^Missing \d+ required args?:\n([\s\S]*)$/.exec(raw.trim());
  if (args) {
    // The list of arguments ends at a blank line; after it oclif may add a note on flags that take several values.
    const [list = '', note = ''] = args[1]!.split(/\n\s*\n/);
    const names = list.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
    const multiple = /^Note: (.+?) (allows?) multiple values/m.exec(note);
    const [flags, one] = [multiple?.[1], multiple?.[2] === 'allows'];
    const order = flags === undefined ? '' : ` (${flags} ${one ? 'takes' : 'take'} several values: put the arguments before ${one ? 'it' : 'them'}, or after --)`;
    return `missing ${names.length === 1 ? 'argument' : 'arguments'} ${names.map((n) => n!.toUpperCase()).join(' ')}${order}`;
  }
  const text = raw
    .replace(/Missing required flag (\S+)/g, 'missing required flag --$1')
    .replace(/^Parsing (--[\w-]+)\s*/, '$1: ');
  return oneLine(text) || 'invalid arguments';
}

/** Exit codes, re-exported for commands that pick one explicitly. */
export { EXIT };
