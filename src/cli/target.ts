/**
 * Which cluster a command talks to, and with which credentials. Precedence: flags, then the
 * environment, then the current context — and endpoints and credentials come as a pair, so a
 * context's token is never sent to endpoints given on the command line, unless that context is
 * named with --context too (`--context prod --endpoints 10.0.0.2:7781`: prod's credentials, to
 * that one member).
 */
import type { ContextEntry, ContextStore, Engine } from '../client/contexts.js';
import type { EtcdClient } from '../client/etcd/index.js';
import { DEFAULT_REGISTRY_PREFIX } from '../client/etcd/plans.js';
import { parseEndpoints } from '../common/addresses.js';
import { EXIT, CliError } from '../common/errors.js';

/** The targeting flags every FleetCommand takes (see base-command.ts). */
export interface TargetFlags {
  readonly context?: string | undefined;
  readonly endpoints?: readonly string[] | undefined;
  readonly token?: string | undefined;
  readonly cacert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** What the endpoints speak (env FLEET_ENGINE); a context says its own. */
  readonly engine?: Engine | undefined;
}

/** A resolved target: enough to build a FleetClient. */
export interface Target {
  readonly endpoints: readonly string[];
  readonly token?: string;
  readonly tls?: { readonly cacert?: string; readonly cert?: string; readonly key?: string };
  /** Where the endpoints came from. */
  readonly source: 'flag' | 'env' | 'context';
  /** The context used, if any. */
  readonly context?: string;
  /** The context's local cluster, when `fleet init` made it. */
  readonly local?: { readonly dataDir: string };
  /** The context's own region: follower reads prefer members of it. */
  readonly region?: string;
  /** fleet's own API, or etcd's v3 API. */
  readonly engine: Engine;
  /** etcd's user auth, from the context (the password read from its file). */
  readonly user?: { readonly name: string; readonly password: string };
  /** etcd only: the context's registry key prefix (absent: the default, /fleet/). */
  readonly prefix?: string;
}

/** How to resolve: `admin` picks the context's admin token (members, leader, snapshot). */
export interface ResolveOptions {
  readonly admin?: boolean;
  /** The context store, loaded only when a context is needed (it pulls in yaml and ajv). */
  readonly store: () => Promise<ContextStore>;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a token file (injected for tests). */
  readonly readToken: (file: string, what: string) => Promise<string>;
}

const NO_TARGET =
  'no cluster chosen: pass --endpoints host:port,… or --context NAME, set FLEET_ENDPOINTS or FLEET_CONTEXT, or create a context (fleet init, fleet context add)';

/** Resolves the target of a command: flag > env > current context. */
export async function resolveTarget(flags: TargetFlags, opts: ResolveOptions): Promise<Target> {
  const env = opts.env ?? process.env;
  const token = flags.token ?? nonEmpty(env.FLEET_TOKEN);
  const tlsFlags = tls(flags.cacert, flags.cert, flags.key);
  const engine = flags.engine ?? parseEngine(env.FLEET_ENGINE);
  if (flags.endpoints !== undefined && flags.context === undefined) return plain('flag', flags.endpoints, token, tlsFlags, engine);
  const contextName = flags.context ?? (nonEmpty(env.FLEET_ENDPOINTS) === undefined ? nonEmpty(env.FLEET_CONTEXT) : undefined);
  if (contextName === undefined && nonEmpty(env.FLEET_ENDPOINTS) !== undefined) {
    const endpoints = parseEnvEndpoints(env.FLEET_ENDPOINTS!);
    return plain('env', endpoints, token, tlsFlags, engine);
  }
  const store = await opts.store();
  const named = contextName !== undefined ? { name: contextName, context: await store.require(contextName) } : await store.current();
  if (named === undefined) throw new CliError(NO_TARGET, { exitCode: EXIT.usage, code: 'NO_TARGET', hint: 'fleet context list' });
  const target = await fromContext(named.name, named.context, { ...opts, token, tls: tlsFlags });
  if (flags.endpoints === undefined) return target;
  // The context's credentials (flags still win), sent to the endpoints the flag names.
  const { local: _local, ...credentials } = target;
  return { ...credentials, endpoints: flags.endpoints, source: 'flag' };
}

async function fromContext(
  name: string,
  c: ContextEntry,
  o: ResolveOptions & { token: string | undefined; tls: Target['tls'] },
): Promise<Target> {
  const file = o.admin ? (c.adminTokenFile ?? c.tokenFile) : (c.tokenFile ?? c.adminTokenFile);
  const what = file === c.adminTokenFile ? `admin token (context ${name})` : `token (context ${name})`;
  const token = o.token ?? (file === undefined ? undefined : await o.readToken(file, what));
  const contextTls = tls(c.cacert, c.cert, c.key);
  const merged = o.tls === undefined ? contextTls : { ...contextTls, ...o.tls };
  const password = c.user === undefined || c.passwordFile === undefined ? undefined : await o.readToken(c.passwordFile, `password of ${c.user} (context ${name})`);
  return {
    engine: c.engine ?? 'fleet',
    ...(c.user === undefined ? {} : { user: { name: c.user, password: password ?? '' } }),
    endpoints: c.endpoints,
    ...(token === undefined ? {} : { token }),
    ...(merged === undefined ? {} : { tls: merged }),
    source: 'context',
    context: name,
    ...(c.local === undefined ? {} : { local: c.local }),
    ...(c.region === undefined ? {} : { region: c.region }),
    ...(c.prefix === undefined ? {} : { prefix: c.prefix }),
  };
}

function plain(source: 'flag' | 'env', endpoints: readonly string[], token: string | undefined, t: Target['tls'], engine: Engine | undefined): Target {
  return { endpoints, source, engine: engine ?? 'fleet', ...(token === undefined ? {} : { token }), ...(t === undefined ? {} : { tls: t }) };
}

function parseEnvEndpoints(text: string): string[] {
  try {
    return parseEndpoints(text);
  } catch (err) {
    throw new CliError(`FLEET_ENDPOINTS: ${(err as Error).message}`, { exitCode: EXIT.usage, cause: err });
  }
}

function tls(cacert: string | undefined, cert: string | undefined, key: string | undefined): Target['tls'] {
  if (cacert === undefined && cert === undefined && key === undefined) return undefined;
  return { ...(cacert ? { cacert } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** FLEET_ENGINE: fleet or etcd. */
function parseEngine(text: string | undefined): Engine | undefined {
  const v = nonEmpty(text);
  if (v === undefined) return undefined;
  if (v === 'fleet' || v === 'etcd') return v;
  throw new CliError(`FLEET_ENGINE: expected fleet or etcd, got ${JSON.stringify(v)}`, { exitCode: EXIT.usage });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Where an etcd target keeps the fleet registry: FLEET_ETCD_PREFIX, else the context's --prefix, else /fleet/. */
export function registryPrefixOf(target: Target): string {
  const fromEnv = process.env.FLEET_ETCD_PREFIX;
  return fromEnv === undefined || fromEnv === '' ? (target.prefix ?? DEFAULT_REGISTRY_PREFIX) : fromEnv;
}

/** A client of an etcd target (grpc and the etcd protos load here, not at start-up). */
export async function etcdClientOf(target: Target, callTimeoutMs: number): Promise<EtcdClient> {
  const { EtcdClient: Client } = await import('../client/etcd/index.js');
  return new Client({
    endpoints: target.endpoints,
    callTimeoutMs,
    ...(target.tls === undefined ? {} : { tls: target.tls }),
    ...(target.user === undefined ? {} : { user: target.user }),
  });
}
