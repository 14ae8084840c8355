/**
 * One Watch stream to one member carrying many watchers, as etcd's own clients multiplex them:
 * each create is answered by a `created` response naming the watcher's id, in the order the
 * creates were sent, and every later response names the watcher its events are for.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { FleetClientError } from '../errors.js';
import { fromServiceError, isServiceError } from '../grpc-errors.js';
import { keyValueFromWire } from './from-wire.js';
import type { WireWatchRequest, WireWatchResponse } from './services.js';
import type { EtcdKeyValue } from './types.js';

/** One event of a watcher's range: a put (the key's new value) or a delete. */
export interface EtcdWatchEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: EtcdKeyValue;
}

/** What a watcher watches: one key, or `key` up to `rangeEnd`, from `startRevision` (absent: from now). */
export interface EtcdWatchOptions {
  readonly rangeEnd?: Buffer;
  readonly startRevision?: number;
}

type EventsListener = (watchId: string, events: readonly EtcdWatchEvent[]) => void;

/**
 * A Watch stream. Invariant: each create is settled exactly once — by its `created` answer
 * (refused when the member cancels it at once), or by the stream's end, which refuses every
 * create still waiting and every later one.
 */
export class EtcdWatchStream {
  readonly #pending: { resolve: (id: string) => void; reject: (err: Error) => void }[] = [];
  readonly #listeners = new Set<EventsListener>();
  readonly #endListeners = new Set<(err: Error, canceledWatchId?: string) => void>();
  #ended: Error | undefined;

  constructor(
    readonly endpoint: string,
    readonly call: ClientDuplexStream<WireWatchRequest, WireWatchResponse>,
  ) {
    call.on('data', (r: WireWatchResponse) => this.#onResponse(r));
    call.on('error', (err: Error) => this.#end(isServiceError(err) ? fromServiceError(err, endpoint) : err));
    call.on('end', () => this.#end(new FleetClientError('unavailable', `the watch stream to ${endpoint} ended`, { endpoint })));
  }

  /** Creates a watcher of `key` (or its range); answers its id once the member has created it. */
  create(key: Buffer, opts: EtcdWatchOptions = {}): Promise<string> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      const startRevision = opts.startRevision === undefined ? {} : { startRevision: String(opts.startRevision) };
      this.call.write({ createRequest: { key, ...(opts.rangeEnd === undefined ? {} : { rangeEnd: opts.rangeEnd }), ...startRevision } });
    });
  }

  /** Calls `listener` with every batch of events of any watcher on this stream; answers how to stop. */
  onEvents(listener: EventsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` once when the stream ends (the member went away, or `close()`), and when the
   * member cancels a created watcher (it fell below the compaction point): then with its id.
   */
  onEnd(listener: (err: Error, canceledWatchId?: string) => void): () => void {
    if (this.#ended !== undefined) listener(this.#ended);
    else this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Ends the stream (and with it every watcher on it). */
  close(): void {
    this.#end(new FleetClientError('unavailable', `the watch stream to ${this.endpoint} was closed`, { endpoint: this.endpoint }));
    this.call.cancel();
  }

  #onResponse(r: WireWatchResponse): void {
    if (r.created) {
      const waiting = this.#pending.shift();
      if (r.canceled) waiting?.reject(new FleetClientError('invalid', `${this.endpoint} refused a watch: ${r.cancelReason}`, { endpoint: this.endpoint }));
      else waiting?.resolve(r.watchId);
    } else if (r.canceled) {
      const err = new FleetClientError('unavailable', `${this.endpoint} canceled watch ${r.watchId}: ${r.cancelReason || `compacted at ${r.compactRevision}`}`, { endpoint: this.endpoint });
      for (const listener of this.#endListeners) listener(err, r.watchId);
    }
    if (r.events.length === 0) return;
    const events = r.events.map((e) => ({ type: e.type, kv: keyValueFromWire(e.kv) }));
    for (const listener of this.#listeners) listener(r.watchId, events);
  }

  #end(err: Error): void {
    if (this.#ended !== undefined) return;
    this.#ended = err;
    for (const waiting of this.#pending.splice(0)) waiting.reject(err);
    for (const listener of [...this.#endListeners]) listener(err);
    this.#endListeners.clear();
  }
}
