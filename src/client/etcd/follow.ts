/**
 * Following a key or a range of the etcd keyspace from a revision, across the loss of the member
 * serving the watch: the watch is opened again on another member from the revision after the last
 * one delivered, so each revision's events are yielded once and in order. Ends when `signal`
 * fires; throws COMPACTED (with `details.oldestIndex` unset) when the revision to resume from was
 * compacted away, so the caller reads the state again.
 */
import { FleetClientError } from '../errors.js';
import type { EtcdAccess } from './access.js';
import { pause } from '../../common/pause.js';
import type { EtcdWatchEvent, EtcdWatchStream } from './watch.js';

/** One response's events and the revision to resume after them. */
export interface FollowBatch {
  readonly events: readonly EtcdWatchEvent[];
  /** The revision of the last event. */
  readonly revision: number;
}

/** Thrown when the watch's start was compacted: read the state again and follow from there. */
export class CompactedError extends Error {
  constructor(readonly revision: number) {
    super(`the keyspace was compacted past revision ${revision}`);
  }
}

const REOPEN_MS = 200;

type Item = { kind: 'events'; events: readonly EtcdWatchEvent[] } | { kind: 'end'; err: Error; canceled: boolean };

/** Yields the events of `key` (up to `rangeEnd`) from `fromRevision` on, reopening on another member when one goes away. */
export async function* follow(access: EtcdAccess, key: Buffer, opts: { rangeEnd?: Buffer; fromRevision: number; signal: AbortSignal }): AsyncGenerator<FollowBatch> {
  let next = opts.fromRevision;
  let turn = 0;
  while (!opts.signal.aborted) {
    access.checkOpen('watching the keyspace');
    const endpoints = access.order();
    const ep = endpoints[turn++ % endpoints.length]!;
    let stream: EtcdWatchStream | undefined;
    try {
      stream = await access.etcd.watchStream(ep);
      for await (const item of watcherItems(stream, key, { ...(opts.rangeEnd === undefined ? {} : { rangeEnd: opts.rangeEnd }), startRevision: next }, opts.signal)) {
        if (item.kind === 'end') {
          if (item.canceled) throw new CompactedError(next);
          throw item.err;
        }
        const revision = item.events[item.events.length - 1]!.kv.modRevision;
        next = revision + 1;
        turn = 0; // this member serves: come back to it first after a failure
        yield { events: item.events, revision };
      }
      return; // the signal fired
    } catch (err) {
      if (err instanceof CompactedError || opts.signal.aborted) throw err;
      // A create the member answers canceled: its start revision was compacted.
      if (err instanceof FleetClientError && err.kind === 'invalid' && err.message.includes('refused a watch')) throw new CompactedError(next);
      if (err instanceof FleetClientError && !err.retryable) throw err;
      await pause(REOPEN_MS, opts.signal);
    } finally {
      stream?.close();
    }
  }
}

/** The items of one watcher on `stream`, until the stream ends or `signal` fires. */
async function* watcherItems(stream: EtcdWatchStream, key: Buffer, create: { rangeEnd?: Buffer; startRevision: number }, signal: AbortSignal): AsyncGenerator<Item> {
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item): void => {
    queue.push(item);
    wake?.();
  };
  let id: string | undefined;
  // One watcher per stream: events that come before its id is known are its own.
  const offEvents = stream.onEvents((watchId, events) => {
    if (id === undefined || watchId === id) push({ kind: 'events', events });
  });
  const offEnd = stream.onEnd((err, canceledId) => {
    if (canceledId === undefined || canceledId === id) push({ kind: 'end', err, canceled: canceledId !== undefined });
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    id = await stream.create(key, create);
    while (!signal.aborted) {
      const item = queue.shift();
      if (item !== undefined) {
        yield item;
        if (item.kind === 'end') return;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    offEvents();
    offEnd();
    signal.removeEventListener('abort', onAbort);
  }
}
