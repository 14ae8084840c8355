/**
 * Which cluster a command talks to, and with which credentials: the client's resolution
 * (src/client/target.ts, shared with the library's `connect()`), with the command's flags as
 * the request and its failures as usage errors (exit 2).
 */
import type { ContextStore } from '../client/contexts.js';
import type { EtcdClient } from '../client/etcd/index.js';
import { DEFAULT_REGISTRY_PREFIX } from '../client/etcd/plans.js';
import { isTargetError, resolveTarget as resolveClientTarget, type ResolveOptions, type Target, type TargetRequest } from '../client/target.js';
import { EXIT, CliError } from '../common/errors.js';

export type { ResolveOptions, Target } from '../client/target.js';

/** The targeting flags every FleetCommand takes (see base-command.ts): the client's TargetRequest. */
export type TargetFlags = TargetRequest;

/** Resolves the target of a command: flag > env > current context; bad input is a usage error (exit 2). */
export async function resolveTarget(flags: TargetFlags, opts: ResolveOptions): Promise<Target> {
  try {
    return await resolveClientTarget(flags, opts);
  } catch (err) {
    if (!isTargetError(err)) throw err;
    const hint = err.code === 'BAD_TARGET' ? undefined : err.code === 'NO_TARGET' ? await noTargetHint(opts) : 'fleet context list';
    const code = err.code === 'NO_TARGET' ? 'NO_TARGET' : 'USAGE';
    throw new CliError(err.message, { exitCode: EXIT.usage, code, ...(hint === undefined ? {} : { hint }), cause: err });
  }
}

/**
 * What to do when no cluster is named: the contexts there are, to pick one (after `fleet destroy`
 * of the current one, the others are still there), or how to make one.
 */
async function noTargetHint(opts: ResolveOptions): Promise<string> {
  const names = await (opts.store?.() ?? defaultStore(opts.env ?? process.env))
    .then((s) => s.list())
    .then((l) => l.map((c) => c.name), () => [] as string[]);
  if (names.length === 0) return 'fleet init starts a local cluster and makes it the current context; fleet context add names another';
  return `fleet context use <name> picks one of: ${names.join(', ')}`;
}

async function defaultStore(env: NodeJS.ProcessEnv): Promise<ContextStore> {
  const { ContextStore: Store, configDir } = await import('../client/contexts.js');
  return new Store({ dir: configDir(env) });
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
