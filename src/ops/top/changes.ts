/**
 * Registry changes as timeline lines: what operators changed during an incident (a shard drained,
 * clusters rebound, a quota set, a lease taken), from the members' change stream. Pure: the same
 * changes always give the same lines. A burst (a rebind plan moving 500 clusters) folds into one
 * line per kind of change and flush, so the timeline stays readable.
 */
import type { WatchEvent, WatchRegistry } from '../../client/index.js';
import type { NewEvent } from './events.js';

/** The registries top follows by default: everything but the KV store, whose traffic is an application's, not an operator's. */
export const TOP_WATCH_REGISTRIES: readonly WatchRegistry[] = ['shards', 'clusters', 'domains', 'quotas', 'providers', 'leases'];

/**
 * One change as a line. Changes with the same `group` that arrive within one flush fold into
 * `many(n)`; a group of one shows `one`.
 */
export interface ChangeLine {
  readonly group: string;
  readonly one: string;
  readonly many: (n: number) => string;
}

/** A described change waiting for the next flush, with when it arrived. */
export interface PendingChange {
  readonly at: number;
  readonly line: ChangeLine;
}

type View = Readonly<Record<string, unknown>>;

const viewOf = (v: unknown): View | null => (typeof v === 'object' && v !== null ? (v as View) : null);
const text = (v: View | null, field: string): string | null => {
  const value = v?.[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
};
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A line that folds by `group` into "N <noun>s <rest>". */
function line(group: string, noun: string, name: string, rest: string): ChangeLine {
  return { group, one: `${noun} ${name} ${rest}`, many: (n) => `${plural(n, noun)} ${rest}` };
}

/**
 * The line of one change, or null for changes that are heartbeats of the data plane rather
 * than operators' decisions (shard and cluster heartbeats, lease renewals).
 */
export function describeChange(e: WatchEvent): ChangeLine | null {
  const old = viewOf(e.old);
  const now = viewOf(e.new);
  switch (e.registry) {
    case 'shards':
      return shardLine(e, old, now);
    case 'clusters':
      return clusterLine(e, old, now);
    case 'leases':
      return leaseLine(e, old, now);
    case 'domains':
      return now === null ? line('domain.unassign', 'domain', e.key, `unassigned${shardOf(old, ' from')}`) : line(`domain.assign:${text(now, 'shard')}`, 'domain', e.key, `assigned${shardOf(now, ' to')}`);
    case 'quotas':
      return now === null ? line('quota.remove', 'quota', e.key, 'removed') : line(`quota.set:${e.key}`, 'quota', e.key, `set to ${text(now, 'total') ?? '?'}${old === null ? '' : ` (was ${text(old, 'total') ?? '?'})`}`);
    case 'providers':
      return now === null ? line('provider.remove', 'provider', e.key, 'removed') : line('provider.add', 'provider', e.key, old === null ? 'added' : 'updated');
    case 'kv':
      return line(`kv.${e.type}`, 'key', e.ns === '' ? e.key : `${e.ns}:${e.key}`, e.type === 'delete' ? 'deleted' : 'put');
    default:
      return line(`${e.registry}.${e.type}`, e.registry, e.key, e.type);
  }
}

function shardOf(v: View | null, preposition: string): string {
  const shard = text(v, 'shard');
  return shard === null ? '' : `${preposition} ${shard}`;
}

const STATE_WORDS: Readonly<Record<string, string>> = { draining: 'drained', cordoned: 'cordoned', active: 'reactivated' };

function shardLine(e: WatchEvent, old: View | null, now: View | null): ChangeLine | null {
  if (e.type === 'shard.heartbeat') return null;
  if (now === null) return line('shard.remove', 'shard', e.key, 'removed');
  if (old === null) return line('shard.register', 'shard', e.key, `registered${text(now, 'region') === null ? '' : ` in ${text(now, 'region')}/${text(now, 'zone')}`}`);
  const [was, is] = [text(old, 'state'), text(now, 'state')];
  if (was !== is && is !== null) return line(`shard.state:${was}>${is}`, 'shard', e.key, `${STATE_WORDS[is] ?? is} (was ${was})`);
  const [capWas, capIs] = [text(old, 'capacity'), text(now, 'capacity')];
  if (capWas !== capIs) return line(`shard.capacity:${capIs}`, 'shard', e.key, `capacity ${capWas} → ${capIs}`);
  // Bound-cluster counts and heartbeats move with the data plane; anything else is an operator's update.
  return e.type === 'shard.update' ? line('shard.update', 'shard', e.key, 'updated') : null;
}

function clusterLine(e: WatchEvent, old: View | null, now: View | null): ChangeLine | null {
  const [from, to] = [text(old, 'shard'), text(now, 'shard')];
  if (now === null) return line(`cluster.gone:${e.type}`, 'cluster', e.key, e.type === 'cluster.prune' ? 'pruned' : `removed (${e.type})`);
  // A heartbeat or a repeated first contact only moves last-seen.
  if (from === to && old !== null) return null;
  if (to === null) return line(`cluster.unbind:${from}`, 'cluster', e.key, `unbound from ${from}`);
  if (from === null) return line(`cluster.bind:${to}`, 'cluster', e.key, `bound to ${to}`);
  return line(`cluster.rebind:${from}>${to}`, 'cluster', e.key, `rebound ${from} → ${to}`);
}

function leaseLine(e: WatchEvent, old: View | null, now: View | null): ChangeLine | null {
  const holder = text(now, 'holder') ?? text(old, 'holder') ?? '?';
  switch (e.type) {
    case 'lease.renew':
      return null;
    case 'lease.acquire':
      return line(`lease.acquire:${holder}`, 'lease', e.key, `acquired by ${holder}${text(now, 'token') === null ? '' : ` (token ${text(now, 'token')})`}`);
    case 'lease.release':
      return line(`lease.release:${holder}`, 'lease', e.key, `released by ${holder}`);
    case 'lease.expire':
      return line(`lease.expire:${holder}`, 'lease', e.key, `expired (held by ${holder})`);
    default:
      return line(e.type, 'lease', e.key, e.type);
  }
}

/**
 * Folds changes into one line per group until drained. Memory is bounded by the groups seen
 * since the last drain, not by the changes: a 500-cluster rebind is one entry with a count.
 */
export class ChangeCoalescer {
  readonly #groups = new Map<string, { at: number; first: ChangeLine; n: number }>();

  /** Whether anything waits for `drain`. */
  get empty(): boolean {
    return this.#groups.size === 0;
  }

  add(at: number, change: ChangeLine): void {
    const g = this.#groups.get(change.group);
    if (g === undefined) this.#groups.set(change.group, { at, first: change, n: 1 });
    else g.n++;
  }

  /** One event per group, in the order each group first appeared, dated by its first change; then starts over. */
  drain(): NewEvent[] {
    const events = [...this.#groups.values()].map((g): NewEvent => ({ at: g.at, kind: 'change', text: g.n === 1 ? g.first.one : g.first.many(g.n) }));
    this.#groups.clear();
    return events;
  }
}

/** The timeline events of one flush of `pending` (see ChangeCoalescer). */
export function coalesce(pending: readonly PendingChange[]): NewEvent[] {
  const c = new ChangeCoalescer();
  for (const p of pending) c.add(p.at, p.line);
  return c.drain();
}

/** The event for changes a watch could not deliver (compacted away while it was reconnecting). */
export function missedEvent(at: number, fromIndex: number | null, oldest: number | null): NewEvent {
  const span = fromIndex === null || oldest === null ? '' : ` (indexes ${fromIndex}–${oldest - 1})`;
  return { at, kind: 'change-gap', text: `registry changes missed${span}: compacted on every member; following again from now` };
}

/** The one-line note when no member serves the change stream. */
export function unavailableEvent(at: number, reason: string): NewEvent {
  return { at, kind: 'change-gap', text: `registry changes not shown: ${reason}` };
}
