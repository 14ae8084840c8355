/**
 * Several clusters at once (`fleet status --contexts`, `fleet top --contexts`): the two flags,
 * the names they select, and a cluster's status asked again and again over connections kept
 * open, one context at a time resolved lazily so that a context that cannot be used is one
 * cluster in trouble, not a failed command.
 */
import { Flags } from '@oclif/core';
import type { ContextStore } from '../client/contexts.js';
import type { StatusProbe } from '../client/probe/index.js';
import { CliError, EXIT } from '../common/errors.js';
import type { StatusModel } from '../ops/status.js';
import { etcdClientOf, registryPrefixOf, resolveTarget, type Target } from './target.js';

/** `--contexts a,b,c` and `--all-contexts`; both exclude the single-cluster targeting flags. */
export const manyContextsFlags = {
  contexts: Flags.string({ description: 'several clusters at once, one row each: comma-separated context names', helpValue: '<a,b,c>', exclusive: ['all-contexts', 'context', 'endpoints'] }),
  'all-contexts': Flags.boolean({ description: 'every context in the config, one row each', default: false, exclusive: ['contexts', 'context', 'endpoints'] }),
};

/**
 * The context names `--contexts` lists (once each, in its order) or every configured one;
 * a usage error (exit 2) when there are none, or for a name not configured — a typo to fix
 * now, not a cluster to report as down.
 */
export async function contextNamesOf(store: ContextStore, list: string | undefined): Promise<string[]> {
  const names = list === undefined ? (await store.list()).map((c) => c.name) : [...new Set(list.split(',').map((n) => n.trim()).filter((n) => n !== ''))];
  if (names.length === 0) throw new CliError(list === undefined ? 'no contexts are configured' : '--contexts names no context', { exitCode: EXIT.usage, hint: 'fleet context list' });
  for (const name of names) await store.require(name);
  return names;
}

/** A cluster's status on demand, over connections kept between calls. Invariant: `close()` ends them all. */
export interface StatusWatcher {
  status(): Promise<StatusModel>;
  close(): void;
}

/**
 * A watcher of the cluster a context names. The target is resolved (and the client made) on
 * the first call, and again after a failure to resolve it; every call carries `timeoutMs`.
 */
export function contextStatusWatcher(context: string, store: ContextStore, timeoutMs: number): StatusWatcher {
  let inner: Promise<StatusWatcher> | undefined;
  let closed = false;
  const open = async (): Promise<StatusWatcher> => {
    const { readTokenFile } = await import('../client/contexts.js');
    const target = await resolveTarget({ context }, { store: async () => store, readToken: readTokenFile });
    return target.engine === 'etcd' ? etcdWatcher(target, timeoutMs) : fleetWatcher(target, timeoutMs);
  };
  return {
    async status() {
      if (closed) throw new Error(`${context}: watcher closed`);
      inner ??= open();
      let w: StatusWatcher;
      try {
        w = await inner;
      } catch (err) {
        inner = undefined;
        throw err;
      }
      // Closed while it opened: close() ends it; open nothing more.
      if (closed) throw new Error(`${context}: watcher closed`);
      return w.status();
    },
    close() {
      closed = true;
      void inner?.then((w) => w.close(), () => undefined);
    },
  };
}

async function fleetWatcher(target: Target, timeoutMs: number): Promise<StatusWatcher> {
  const [{ StatusProbe: Probe }, { collectStatus }] = await Promise.all([import('../client/probe/index.js'), import('../ops/status.js')]);
  const probeOf = (endpoints: readonly string[]) => new Probe({ endpoints, token: target.token, tls: target.tls, timeoutMs });
  const main = probeOf(target.endpoints);
  // Members the membership names beyond the endpoints, one probe per set of addresses.
  const more = new Map<string, StatusProbe>();
  const probeMore = (addresses: readonly string[]) => {
    const key = addresses.join(',');
    if (!more.has(key)) more.set(key, probeOf(addresses));
    return more.get(key)!.statusAll();
  };
  return {
    status: () => collectStatus(main, probeMore),
    close: () => {
      main.close();
      for (const p of more.values()) p.close();
    },
  };
}

async function etcdWatcher(target: Target, timeoutMs: number): Promise<StatusWatcher> {
  const [client, { collectEtcdStatus }] = await Promise.all([etcdClientOf(target, timeoutMs), import('../ops/etcd/status.js')]);
  return { status: () => collectEtcdStatus(client, timeoutMs, { registryPrefix: registryPrefixOf(target) }), close: () => client.close() };
}
