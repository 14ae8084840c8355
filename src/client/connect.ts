/**
 * `connect()`: the library's way in. It finds the cluster as the CLI does (target.ts, one
 * implementation: FLEET_ENDPOINTS / FLEET_CONTEXT / FLEET_TOKEN / the current context, a named
 * context, or explicit endpoints), builds a FleetClient, and asks the members for their status
 * once, so that a wrong target fails here, with what to do, instead of at the first call.
 */
import { FleetClientError } from './errors.js';
import { FleetClient, type FleetClientOptions } from './fleet-client.js';
import { resolveTarget, type Target } from './target.js';
import type { TlsFiles } from './transport/tls.js';

/** Where `connect()` finds the cluster, and how the client behaves once it has. */
export interface ConnectOptions extends Omit<FleetClientOptions, 'endpoints' | 'token' | 'tls'> {
  /** A saved context by name (else FLEET_CONTEXT, else the current context). */
  readonly context?: string;
  /**
   * `host:port` of members. Without `context`, no saved credentials go with them: pass `token`
   * and `tls` too. With `context`, that context's credentials go to these members.
   */
  readonly endpoints?: readonly string[];
  /** Bearer token (else FLEET_TOKEN, else the context's token file). */
  readonly token?: string;
  /** TLS files (else the context's). */
  readonly tls?: TlsFiles;
  /** Use the context's admin token (membership, leadership, snapshots). */
  readonly admin?: boolean;
  /** The environment to read FLEET_* from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** The directory of contexts.yaml (default: FLEET_CONFIG_DIR, else $XDG_CONFIG_HOME/fleet, else ~/.config/fleet). */
  readonly configDir?: string;
  /** Check that a member answers before resolving (default true); `false` connects lazily, on the first call. */
  readonly verify?: boolean;
}

/**
 * Connects to a fleet cluster. Resolves to a FleetClient once a member has answered; rejects
 * with a FleetClientError whose `code` says what was wrong: `NO_TARGET`, `UNKNOWN_CONTEXT`,
 * `BAD_TARGET`, `BAD_CONTEXT` or `UNSUPPORTED_ENGINE` (fix the input), `UNREACHABLE` (no member
 * answered; `retryable`), or the members' own refusal (e.g. kind `unauthenticated`).
 * Call `close()` on the client when done: it ends every stream and channel, and the process can exit.
 */
export async function connect(opts: ConnectOptions = {}): Promise<FleetClient> {
  const target = await targetOf(opts);
  const { context: _c, endpoints: _e, token: _t, tls: _tls, admin: _a, env: _env, configDir: _d, verify, ...clientOptions } = opts;
  const client = new FleetClient({
    ...clientOptions,
    endpoints: target.endpoints,
    ...(target.token === undefined ? {} : { token: target.token }),
    ...(target.tls === undefined ? {} : { tls: target.tls }),
    ...(opts.region === undefined && target.region !== undefined ? { region: target.region } : {}),
  });
  if (verify === false) return client;
  try {
    await checkAnswers(client, target);
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

/** The resolved target, every failure as a FleetClientError. */
async function targetOf(opts: ConnectOptions): Promise<Target> {
  const { configDir } = opts;
  const request = { context: opts.context, endpoints: opts.endpoints, token: opts.token, cacert: opts.tls?.cacert, cert: opts.tls?.cert, key: opts.tls?.key };
  let target: Target;
  try {
    target = await resolveTarget(request, {
      admin: opts.admin ?? false,
      ...(opts.env === undefined ? {} : { env: opts.env }),
      ...(configDir === undefined ? {} : { store: async () => new (await import('./contexts.js')).ContextStore({ dir: configDir }) }),
    });
  } catch (err) {
    // An unreadable or invalid contexts.yaml, or a token file that cannot be read (src/client/contexts.ts).
    if (!(err instanceof Error) || err.name !== 'ContextError') throw err;
    throw new FleetClientError('invalid', `${err.message}: fix the file, or pass endpoints and a token instead of a context`, { code: 'BAD_CONTEXT', cause: err });
  }
  if (target.engine !== 'fleet') {
    const what = target.context === undefined ? 'FLEET_ENGINE=etcd: these endpoints speak' : `context ${JSON.stringify(target.context)} is a cluster that speaks`;
    throw new FleetClientError('invalid', `${what} etcd's v3 API, and this library's client speaks fleet's own: use an etcd client for that cluster`, { code: 'UNSUPPORTED_ENGINE' });
  }
  return target;
}

/** Resolves when a member answers its status; rejects with what the members said, or UNREACHABLE. */
async function checkAnswers(client: FleetClient, target: Target): Promise<void> {
  const statuses = await client.statusAll();
  if (statuses.some((s) => s.ok)) return;
  const refused = statuses.find((s) => !s.ok && s.reachable);
  if (refused !== undefined && !refused.ok) throw refused.error;
  const why = statuses.map((s) => (s.ok ? '' : `${s.endpoint} ${reasonOf(s.endpoint, s.error)}`)).join('; ');
  throw new FleetClientError('unavailable', `no member of ${describe(target)} answered (${why}): start the cluster, or check the endpoints; retrying later may succeed`, {
    code: 'UNREACHABLE',
  });
}

/** Why one member did not answer, briefly: `connect ECONNREFUSED` rather than grpc-js's whole sentence. */
function reasonOf(endpoint: string, err: FleetClientError): string {
  const transport = /Last error: (?:Error: )?(.+?)\.? Resolution note/.exec(err.message)?.[1];
  if (transport !== undefined) return transport.replace(` ${endpoint}`, '');
  return err.message.replace(`${endpoint}: `, '').replace(/: is it running\? \(fleet status\)$/, '');
}

function describe(target: Target): string {
  const list = target.endpoints.join(', ');
  if (target.context !== undefined) return `context ${JSON.stringify(target.context)} (${list})`;
  return target.source === 'env' ? `FLEET_ENDPOINTS (${list})` : list;
}
