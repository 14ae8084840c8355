/**
 * The Watch stream of the client API: attaches a watcher to the member's change feed and sends
 * each entry's changes as one message, in index order. A watcher that reads too slowly is cut
 * off (it resumes from its last index + 1) rather than let its backlog grow without bound: by
 * messages, by its bytes, and by the bytes of every watcher of the member together (bounds.ts).
 */
import { Metadata, status, type ServerWritableStream } from '@grpc/grpc-js';
import { METADATA } from '../../../proto/index.js';
import type * as wire from '../../../proto/index.js';
import { WATCH_REGISTRIES, WatchCompacted, type ChangeBatch, type ChangeEvent, type WatchFilter, type WatchRegistry } from '../../fleet/index.js';
import type { NodeApi } from '../../node/member-api.js';
import { DEFAULT_BOUNDS, QueuedBytes, StreamBudget } from '../guard/bounds.js';
import type { LimitRefusals } from '../guard/limit-refusals.js';
import { WireError, errorStatus } from '../wire.js';

/** Messages queued for a watcher that does not read before it is cut off. */
const MAX_QUEUED = 10_000;

/**
 * The filter a WatchRequest asks for; a WireError names the bad field. `registry` may list several,
 * comma-separated (a member from before that refuses the list as an unknown registry).
 */
export function watchFilterFromWire(req: wire.WatchRequest__Output): WatchFilter {
  const registries = (req.registry === '' ? 'kv' : req.registry).split(',');
  for (const registry of registries) {
    if (!(WATCH_REGISTRIES as readonly string[]).includes(registry)) {
      throw new WireError(`registry: got ${JSON.stringify(req.registry)}, want one of ${WATCH_REGISTRIES.join(', ')} (or several, comma-separated)`);
    }
  }
  if (!registries.includes('kv') && req.ns !== '') throw new WireError('ns: only the kv registry has namespaces');
  const [first, ...also] = registries as WatchRegistry[];
  return { registry: first!, ...(also.length === 0 ? {} : { also }), ns: req.ns, prefix: req.prefix };
}

/** A change as the wire carries it: values and views as JSON. */
export function watchEventToWire(e: ChangeEvent): wire.WatchEvent {
  return {
    index: e.index,
    registry: e.registry,
    type: e.type,
    ns: e.ns,
    key: e.key,
    ...(e.old === null ? {} : { oldJson: JSON.stringify(e.old) }),
    ...(e.new === null ? {} : { newJson: JSON.stringify(e.new) }),
  };
}

/** Ends a watch with a status (grpc-js sends an emitted error as the call's status). */
function fail(call: ServerWritableStream<wire.WatchRequest__Output, wire.WatchResponse>, code: status, details: string, metadata = new Metadata()): void {
  call.emit('error', { code, details, metadata });
}

/** The watchers of one member: how many are open, and the bytes queued for all of them. */
export interface WatchLimits {
  readonly watchers: StreamBudget;
  readonly queued: QueuedBytes;
  /** Bytes queued for one watcher before it is cancelled. */
  readonly maxQueuedBytes: number;
  /** Told of each watcher cancelled for not reading. */
  readonly onOverflow?: () => void;
}

/** Limits from `bounds` (default `DEFAULT_BOUNDS`), for a member's client service; `refusals` counts them. */
export function defaultWatchLimits(b = DEFAULT_BOUNDS, refusals?: LimitRefusals): WatchLimits {
  return {
    watchers: new StreamBudget('watcher', b.maxWatchers, b.maxWatchersPerAddress, refusals?.counter('watch-streams')),
    queued: new QueuedBytes(b.maxWatchQueuedBytesTotal),
    maxQueuedBytes: b.maxWatchQueuedBytes,
    ...(refusals === undefined ? {} : { onOverflow: refusals.counter('watch-queue') }),
  };
}

/** About the bytes a message holds while queued: its keys and JSON texts (the queue's measure, not its exact heap size). */
export function queuedSizeOf(msg: wire.WatchResponse): number {
  let n = 64;
  for (const e of msg.events ?? []) n += 64 + (e.key?.length ?? 0) + (e.ns?.length ?? 0) + (e.oldJson?.length ?? 0) + (e.newJson?.length ?? 0);
  return n;
}

/**
 * What one watcher has been sent and what waits for it to read: messages queue while the call's
 * buffer is full, up to the watcher's and the member's limits, and are sent on 'drain'. Once
 * finished (cancelled, overflowed, failed) it sends nothing more and has given back all it held.
 */
class WatchOutbox {
  private queue: wire.WatchResponse[] = [];
  private queuedBytes = 0;
  private blocked = false;
  private done = false;
  /** Detaches the watcher from the change feed; set once it is attached. */
  detach = (): void => undefined;

  constructor(
    private readonly node: NodeApi,
    private readonly call: ServerWritableStream<wire.WatchRequest__Output, wire.WatchResponse>,
    private readonly limits: WatchLimits,
    private readonly release: () => void,
  ) {}

  /** Gives back the watcher's slot and queued bytes; only the first call acts. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    this.release();
    this.limits.queued.remove(this.queuedBytes);
    this.queuedBytes = 0;
    this.queue = [];
  }

  send(msg: wire.WatchResponse): void {
    if (this.done) return;
    if (this.blocked) return this.enqueue(msg);
    if (!this.call.write(msg)) this.blocked = true;
  }

  /** The call's buffer has room again: sends what was queued, in order. */
  drain(): void {
    this.blocked = false;
    const pending = this.queue;
    this.queue = [];
    this.limits.queued.remove(this.queuedBytes);
    this.queuedBytes = 0;
    for (const msg of pending) this.send(msg);
  }

  private enqueue(msg: wire.WatchResponse): void {
    const { limits } = this;
    const size = queuedSizeOf(msg);
    if (this.queue.length >= MAX_QUEUED) return this.overflow(`the watcher fell ${MAX_QUEUED} entries behind`);
    if (this.queuedBytes + size > limits.maxQueuedBytes) return this.overflow(`more than ${limits.maxQueuedBytes} bytes were queued for the watcher`);
    if (!limits.queued.tryAdd(size)) return this.overflow(`the watchers of member ${this.node.id} hold ${limits.queued.max} bytes queued, its limit`);
    this.queue.push(msg);
    this.queuedBytes += size;
  }

  private overflow(why: string): void {
    this.finish();
    this.limits.onOverflow?.();
    fail(this.call, status.RESOURCE_EXHAUSTED, `${why}: the watcher does not read fast enough; resume from the last index seen + 1`);
  }
}

/** Runs one Watch call until the client cancels it or the feed restarts. */
export function runWatch(node: NodeApi, call: ServerWritableStream<wire.WatchRequest__Output, wire.WatchResponse>, limits: WatchLimits = defaultWatchLimits()): void {
  let filter: WatchFilter;
  try {
    filter = watchFilterFromWire(call.request);
  } catch (err) {
    call.emit('error', errorStatus(err));
    return;
  }
  const admitted = limits.watchers.tryOpen(call.getPeer());
  if ('refusal' in admitted) return void call.emit('error', admitted.refusal);
  const from = call.request.fromIndex > 0 ? call.request.fromIndex : node.status().appliedIndex + 1;
  const out = new WatchOutbox(node, call, limits, () => admitted.release());
  const finish = (): void => out.finish();
  call.on('drain', () => out.drain());
  call.on('cancelled', finish);
  call.on('error', finish);
  call.on('close', finish);
  try {
    // Refused before anything is sent: a client takes any message for a watch that started.
    if (from < node.changes.oldestIndex) throw new WatchCompacted(from, node.changes.oldestIndex);
    out.send({ index: 0, events: [], startIndex: from, oldestIndex: node.changes.oldestIndex });
    out.detach = node.changes.watch(from, filter, {
      batch: (b: ChangeBatch) => out.send({ index: b.index, events: b.events.map(watchEventToWire), startIndex: from, oldestIndex: 0 }),
      reset: (oldest) => {
        out.finish();
        fail(call, status.UNAVAILABLE, `member ${node.id} restarted its change feed at index ${oldest} (it installed a snapshot or is shutting down); resume from the last index seen + 1`);
      },
    });
  } catch (err) {
    out.finish();
    refuseStart(node, call, err);
  }
}

/** Ends a watch that could not start: a compacted start index carries the oldest one it may resume from. */
function refuseStart(node: NodeApi, call: ServerWritableStream<wire.WatchRequest__Output, wire.WatchResponse>, err: unknown): void {
  if (!(err instanceof WatchCompacted)) return void call.emit('error', errorStatus(err));
  const metadata = new Metadata();
  metadata.set(METADATA.watchOldestIndex, String(err.oldest));
  fail(call, status.FAILED_PRECONDITION, `${err.message} on member ${node.id}`, metadata);
}
