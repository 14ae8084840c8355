/**
 * Which cluster a client talks to, and with which credentials: the one resolution that the CLI
 * (src/cli/target.ts, its flags) and the library (`connect()`, its options) share. Precedence:
 * what the caller names (flags, options), then the environment (FLEET_ENDPOINTS, FLEET_CONTEXT,
 * FLEET_TOKEN, FLEET_ENGINE), then the current context — and endpoints and credentials come as
 * a pair: a context's token goes only to its own members. Endpoints the caller gives get the
 * credentials of the context they belong to (the named one, else FLEET_CONTEXT or the current
 * one, when every endpoint given is one of its members: `--endpoints 10.0.0.2:7781` to read
 * from one member of the current cluster), and no context's otherwise.
 *
 * Bad input (no cluster named, an unknown context, a malformed FLEET_ENDPOINTS or FLEET_ENGINE)
 * is a FleetClientError of kind `invalid` with a `code` from TargetErrorCode; the CLI turns
 * those into usage errors (exit 2). A context file that cannot be read stays a ContextError.
 */
import { parseEndpoints } from '../common/addresses.js';
import type { ContextEntry, ContextStore, Engine } from './contexts.js';
import { FleetClientError } from './errors.js';
import type { TlsFiles } from './transport/tls.js';

/** What the caller names: the CLI's targeting flags, or `connect()`'s options. Unset fields fall back to the environment. */
export interface TargetRequest {
  /** A context by name (else FLEET_CONTEXT, else the current context). */
  readonly context?: string | undefined;
  /** `host:port` of members; without `context`, no context's credentials go with them. */
  readonly endpoints?: readonly string[] | undefined;
  /** Bearer token (else FLEET_TOKEN, else the context's token file). */
  readonly token?: string | undefined;
  readonly cacert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** What the endpoints speak (else FLEET_ENGINE); a context says its own. */
  readonly engine?: Engine | undefined;
}

/** A resolved target: enough to build a client. */
export interface Target {
  readonly endpoints: readonly string[];
  readonly token?: string;
  readonly tls?: TlsFiles;
  /** Where the endpoints came from: named by the caller, the environment, or a context. */
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

/** How to resolve. Every field has a default, so the library passes none. */
export interface ResolveOptions {
  /** Pick the context's admin token (members, leader, snapshot). */
  readonly admin?: boolean;
  /** The context store, loaded only when a context is needed (it pulls in yaml and ajv). Default: the user's, found through `env`. */
  readonly store?: () => Promise<ContextStore>;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a token file (injected for tests). Default: readTokenFile. */
  readonly readToken?: (file: string, what: string) => Promise<string>;
}

/** The codes of a target that cannot be resolved (all of kind `invalid`: fix the input and call again). */
export type TargetErrorCode = 'NO_TARGET' | 'UNKNOWN_CONTEXT' | 'BAD_TARGET';

const NO_TARGET =
  'no cluster chosen: pass endpoints (--endpoints host:port,…) or a context (--context NAME), set FLEET_ENDPOINTS or FLEET_CONTEXT, or create a context (fleet init, fleet context add)';

/** Resolves a target: what the caller names > the environment > the current context. */
export async function resolveTarget(req: TargetRequest, opts: ResolveOptions = {}): Promise<Target> {
  const env = opts.env ?? process.env;
  const token = req.token ?? nonEmpty(env.FLEET_TOKEN);
  const tlsGiven = tls(req.cacert, req.cert, req.key);
  const engine = req.engine ?? parseEngine(env.FLEET_ENGINE);
  const loadStore = opts.store ?? (() => defaultStore(env));
  if (req.endpoints !== undefined && req.context === undefined) {
    const endpoints = checkEndpoints(req.endpoints);
    return (await ofOwnContext(endpoints, 'flag', env, loadStore, opts, token, tlsGiven)) ?? plain('flag', endpoints, token, tlsGiven, engine);
  }
  const contextName = req.context ?? (nonEmpty(env.FLEET_ENDPOINTS) === undefined ? nonEmpty(env.FLEET_CONTEXT) : undefined);
  if (contextName === undefined && nonEmpty(env.FLEET_ENDPOINTS) !== undefined) {
    const endpoints = parseEnvEndpoints(env.FLEET_ENDPOINTS!);
    return (await ofOwnContext(endpoints, 'env', env, loadStore, opts, token, tlsGiven)) ?? plain('env', endpoints, token, tlsGiven, engine);
  }
  const store = await loadStore();
  const named = contextName !== undefined ? { name: contextName, context: await requireContext(store, contextName) } : await store.current();
  if (named === undefined) throw targetError('NO_TARGET', NO_TARGET);
  const readToken = opts.readToken ?? defaultReadToken;
  const target = await fromContext(named.name, named.context, { admin: opts.admin ?? false, readToken, token, tls: tlsGiven });
  if (req.endpoints === undefined) return target;
  // The context's credentials (the caller's still win), sent to the endpoints the caller names.
  const { local: _local, ...credentials } = target;
  return { ...credentials, endpoints: checkEndpoints(req.endpoints), source: 'flag' };
}

/**
 * Endpoints given without a context, with the credentials of the context they belong to:
 * FLEET_CONTEXT's or the current one, when every endpoint is one of its members. Undefined when
 * they belong to none (or there is no context store): then no context's token goes with them.
 */
async function ofOwnContext(
  endpoints: readonly string[],
  source: 'flag' | 'env',
  env: NodeJS.ProcessEnv,
  loadStore: () => Promise<ContextStore>,
  opts: ResolveOptions,
  token: string | undefined,
  tlsGiven: TlsFiles | undefined,
): Promise<Target | undefined> {
  const store = await loadStore().catch(() => undefined);
  if (store === undefined) return undefined;
  const name = nonEmpty(env.FLEET_CONTEXT);
  const named = name !== undefined ? await store.get(name).then((context) => (context === undefined ? undefined : { name, context }), () => undefined) : await store.current().catch(() => undefined);
  if (named === undefined || !endpoints.every((e) => named.context.endpoints.includes(e))) return undefined;
  const target = await fromContext(named.name, named.context, { admin: opts.admin ?? false, readToken: opts.readToken ?? defaultReadToken, token, tls: tlsGiven });
  const { local: _local, ...credentials } = target;
  return { ...credentials, endpoints, source };
}

/** Whether `err` is a resolution failure the caller can fix by naming the cluster differently. */
export function isTargetError(err: unknown): err is FleetClientError & { readonly code: TargetErrorCode } {
  return err instanceof FleetClientError && (err.code === 'NO_TARGET' || err.code === 'UNKNOWN_CONTEXT' || err.code === 'BAD_TARGET');
}

/** The user's context store, where `env` says it is (FLEET_CONFIG_DIR, XDG_CONFIG_HOME). */
async function defaultStore(env: NodeJS.ProcessEnv): Promise<ContextStore> {
  const { ContextStore: Store, configDir } = await import('./contexts.js');
  return new Store({ dir: configDir(env) });
}

async function defaultReadToken(file: string, what: string): Promise<string> {
  return (await import('./contexts.js')).readTokenFile(file, what);
}

async function requireContext(store: ContextStore, name: string): Promise<ContextEntry> {
  try {
    return await store.require(name);
  } catch (err) {
    if (err instanceof Error && err.name === 'UnknownContextError') throw targetError('UNKNOWN_CONTEXT', err.message, err);
    throw err;
  }
}

interface FromContext {
  readonly admin: boolean;
  readonly readToken: (file: string, what: string) => Promise<string>;
  readonly token: string | undefined;
  readonly tls: TlsFiles | undefined;
}

async function fromContext(name: string, c: ContextEntry, o: FromContext): Promise<Target> {
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

function plain(source: 'flag' | 'env', endpoints: readonly string[], token: string | undefined, t: TlsFiles | undefined, engine: Engine | undefined): Target {
  return { endpoints, source, engine: engine ?? 'fleet', ...(token === undefined ? {} : { token }), ...(t === undefined ? {} : { tls: t }) };
}

function checkEndpoints(endpoints: readonly string[]): readonly string[] {
  try {
    parseEndpoints(endpoints.join(','));
  } catch (err) {
    throw targetError('BAD_TARGET', `endpoints: ${(err as Error).message}`, err);
  }
  return endpoints;
}

function parseEnvEndpoints(text: string): string[] {
  try {
    return parseEndpoints(text);
  } catch (err) {
    throw targetError('BAD_TARGET', `FLEET_ENDPOINTS: ${(err as Error).message}`, err);
  }
}

function tls(cacert: string | undefined, cert: string | undefined, key: string | undefined): TlsFiles | undefined {
  if (cacert === undefined && cert === undefined && key === undefined) return undefined;
  return { ...(cacert ? { cacert } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** FLEET_ENGINE: fleet or etcd. */
function parseEngine(text: string | undefined): Engine | undefined {
  const v = nonEmpty(text);
  if (v === undefined) return undefined;
  if (v === 'fleet' || v === 'etcd') return v;
  throw targetError('BAD_TARGET', `FLEET_ENGINE: expected fleet or etcd, got ${JSON.stringify(v)}`);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function targetError(code: TargetErrorCode, message: string, cause?: unknown): FleetClientError {
  return new FleetClientError('invalid', message, { code, ...(cause === undefined ? {} : { cause }) });
}
