/**
 * `fleet watch` underneath: follows a registry's changes over the members' Watch streams, and
 * survives the loss of the member it reads from. Every member applies the same entries in the
 * same order, so after a broken stream the watch asks the next member for the last index seen
 * + 1: nothing is lost and nothing repeated, whichever member answers.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import { METADATA } from '../proto/index.js';
import type * as wire from '../proto/index.js';
import type { Endpoint } from './transport/endpoint.js';
import { FleetClientError } from './errors.js';
import { isServiceError, toClientError } from './grpc-errors.js';
import type { WatchBatch, WatchEvent, WatchRegistry } from './types.js';
import { pause } from '../common/pause.js';

/** The registries a watch can follow; `kv` is the default. */
export const WATCH_REGISTRIES: readonly WatchRegistry[] = ['kv', 'shards', 'clusters', 'domains', 'quotas', 'providers', 'leases'];

/** What to watch and from where. */
export interface WatchOptions {
  readonly registry?: WatchRegistry;
  /** Several registries on one stream (instead of `registry`); a member from before refuses it (`invalid`). */
  readonly registries?: readonly WatchRegistry[];
  /** The KV namespace (KV only). */
  readonly ns?: string;
  /** Only keys that start with this. */
  readonly prefix?: string;
  /** The first index to report (default: the next entry the member applies). */
  readonly fromIndex?: number;
  /** Ends the watch (the generator returns). */
  readonly signal?: AbortSignal;
  /** How long to keep reconnecting while no member serves the watch (default 15 s). */
  readonly reconnectMs?: number;
  /** Told when the watch moves on from a member, and why. */
  readonly onReconnect?: (info: { readonly endpoint: string; readonly nextIndex: number; readonly reason: string }) => void;
}

/** A WatchEvent from the wire: values and views arrive as JSON. */
export function watchEventFromWire(e: wire.WatchEvent__Output): WatchEvent {
  const parse = (json: string | undefined): unknown => (json === undefined ? null : JSON.parse(json));
  return { index: e.index, registry: e.registry, type: e.type, ns: e.ns, key: e.key, old: parse(e.oldJson), new: parse(e.newJson) };
}

/** The oldest index a member still has, when it refused the watch as compacted. */
function compactedAt(err: FleetClientError): number | undefined {
  const cause = err.cause;
  if (!isServiceError(cause)) return undefined;
  const value = cause.metadata?.get(METADATA.watchOldestIndex)[0];
  return typeof value === 'string' ? Number(value) : undefined;
}


/** One Watch stream on one member; cancelled when the caller stops reading or aborts. */
async function* stream(ep: Endpoint, from: number, opts: WatchOptions): AsyncGenerator<wire.WatchResponse__Output> {
  const req: wire.WatchRequest = { fromIndex: from, registry: opts.registries?.join(',') ?? opts.registry ?? 'kv', ns: opts.ns ?? '', prefix: opts.prefix ?? '' };
  const call: ClientReadableStream<wire.WatchResponse__Output> = ep.fleet.Watch(req, ep.metadata());
  const cancel = (): void => call.cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    for await (const msg of call) yield msg as wire.WatchResponse__Output;
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    call.cancel();
  }
}

/**
 * Follows changes across members. Invariants: batches come in strictly increasing index order,
 * each index at most once; after a broken stream the next member is asked from the last index
 * seen + 1 (or the first stream's start, if nothing came yet). Gives up when every member
 * refused the index as compacted (a `precondition` error naming the oldest index still
 * available), on a failure retrying cannot mend, or when no member served the watch for
 * `reconnectMs`.
 */
export async function* watchChanges(endpoints: readonly Endpoint[], opts: WatchOptions): AsyncGenerator<WatchBatch> {
  let next = opts.fromIndex ?? 0;
  let turn = 0;
  let backoff = 100;
  let failingSince: number | undefined;
  const compacted = new Map<string, number>();
  const aborted = (): boolean => opts.signal?.aborted === true;
  while (!aborted()) {
    const ep = endpoints[turn % endpoints.length]!;
    let failure: FleetClientError;
    try {
      for await (const msg of stream(ep, next, opts)) {
        failingSince = undefined;
        backoff = 100;
        compacted.clear();
        if (msg.events.length === 0) {
          if (next === 0) next = msg.startIndex;
          continue;
        }
        if (msg.index < next) continue;
        next = msg.index + 1;
        yield { index: msg.index, events: msg.events.map(watchEventFromWire), endpoint: ep.address };
      }
      failure = new FleetClientError('unavailable', `${ep.address}: the watch stream ended`, { endpoint: ep.address });
    } catch (err) {
      failure = toClientError(err, ep.address);
    }
    if (aborted()) return;
    const oldest = compactedAt(failure);
    if (oldest !== undefined) {
      compacted.set(ep.address, oldest);
      if (compacted.size >= endpoints.length) throw compactedError(next, Math.min(...compacted.values()));
    } else if (!failure.retryable && failure.kind !== 'exhausted') {
      // A member cancels a watcher that reads too slowly, and refuses one over its watcher bounds
      // (RESOURCE_EXHAUSTED): resuming from the next index, here or at another member, mends both.
      throw failure;
    }
    failingSince ??= Date.now();
    if (Date.now() - failingSince > (opts.reconnectMs ?? 15_000)) throw failure;
    opts.onReconnect?.({ endpoint: ep.address, nextIndex: next, reason: failure.message });
    turn++;
    // Try every member once before backing off: another one may serve at once.
    if (turn % endpoints.length === 0) {
      await pause(backoff, opts.signal);
      backoff = Math.min(backoff * 2, 1_000);
    }
  }
}

function compactedError(requested: number, oldest: number): FleetClientError {
  return new FleetClientError(
    'precondition',
    `index ${requested} has been compacted on every member: the oldest index still available is ${oldest}; watch from --from-index ${oldest} (changes before it are lost to this watch)`,
    { details: { requestedIndex: requested, oldestIndex: oldest } },
  );
}
