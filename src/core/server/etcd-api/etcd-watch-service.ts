/**
 * etcd's Watch service (the bidirectional stream) over a member's own applied keyspace: each
 * watcher is at a revision (`next`), and after every etcd write this member applies, it is sent
 * the events of its range from `next` on, then moved past them. A watcher that starts below the
 * compaction point, or falls behind it (a snapshot installed past it), is cancelled with etcd's
 * compact_revision, as etcd does, so the client restarts from there knowingly.
 *
 * A watcher is sent each revision's events once and in order, since `next` only grows and every
 * event sent is below the `next` it leaves (both checked in `catchUp`). Every watcher is in the
 * member's keyspace watch hub (watch-hub.ts), which calls it only when a change may concern its
 * range, with the first revision it may not have heard of: a watcher not `behind` has been sent
 * everything in its range before that, so its `next` may lag and is moved up to it then.
 *
 * Backpressure, as etcd's unsynced watchers: nothing more is written while the stream's buffer is
 * full (grpc-js's write answers false); the watchers with events still to send are `behind`, and
 * read their history a page at a time (MvccStore.eventsPage) when the stream drains. What a
 * member holds for a client that does not read is one page, not the history it asked for: 40
 * watchers replaying 30 × 1 MB each took a member from 477 MB to 1.81 GB.
 */
import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ERR_COMPACTED, MvccError, type MvccStore, type WatchEvent } from '../../etcd-store/mvcc.js';
import { AUTH_ERRORS, EtcdAuthStore } from '../../etcd-store/auth-store.js';
import { authorizeCall, etcdKeysUser, type AuthOptions } from '../guard/auth.js';
import { checkInvariant } from '../../invariant.js';
import type { KeyspaceWatchHub } from '../../etcd-store/watch-hub.js';
import type { LimitRefusals } from '../guard/limit-refusals.js';
import { runBudgeted, type StreamBudget } from '../guard/bounds.js';
import { etcdClusterId, etcdIdOf, kvToWire, type WireHeader } from './etcd-wire.js';

/** What the watch service needs of the member. */
export interface EtcdWatchNode {
  readonly id: string;
  etcdStore(): MvccStore;
  keyspaceWatchers(): KeyspaceWatchHub;
  leadership(): { term: number; leader: string };
}

interface WireWatchRequest {
  createRequest?: { key: Buffer; rangeEnd: Buffer; startRevision: string; progressNotify: boolean; filters: ('NOPUT' | 'NODELETE')[]; prevKv: boolean; watchId: string; fragment: boolean } | null;
  cancelRequest?: { watchId: string } | null;
  progressRequest?: object | null;
}

interface Watcher {
  readonly id: number;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  /** Asked for progress notifications (`progress_notify`). */
  readonly progressNotify: boolean;
  /** Takes a large batch of events as fragments of one response (`fragment`): all but the last marked. */
  readonly fragment: boolean;
  /** Sent events since the last progress tick: then the tick sends it no notification, as etcd's. */
  sentSinceTick: boolean;
  next: number;
  /** Takes it out of the member's watch hub. */
  unwatch(): void;
}

/** etcd's default `--experimental-watch-progress-notify-interval`. */
export const DEFAULT_PROGRESS_NOTIFY_MS = 10 * 60_000;

export interface EtcdWatchOptions {
  readonly auth: AuthOptions;
  readonly clusterId: () => string | undefined;
  /** How often a watcher that asked for progress notifications and was sent no event hears the member's revision (default 10 min, as etcd). */
  readonly progressNotifyMs?: number | undefined;
  /** Counts the watchers refused beyond MAX_WATCHERS_PER_STREAM (fleet_limit_refusals_total). */
  readonly limitRefusals?: LimitRefusals | undefined;
  /** The member's budget of etcd streams, which Watch streams count against (bounds.ts); none: unbounded. */
  readonly streams?: StreamBudget | undefined;
}

/**
 * At most this many events in one response: more go as several, marked as fragments of one when
 * the watcher allows it (etcd fragments by size, over its request limit).
 */
const EVENTS_PER_RESPONSE = 1000;
/** The keys and values a watcher behind reads from its history at once (whole revisions, at least one). */
const HISTORY_PAGE_BYTES = 1024 * 1024;
/**
 * etcd's cancel reason for a watch its user may not read: the text of its gRPC error (status.Err().Error()),
 * which etcdctl prints as it is ("watch was canceled (rpc error: code = PermissionDenied desc = …)").
 */
const WATCH_DENIED = `rpc error: code = PermissionDenied desc = ${AUTH_ERRORS.permissionDenied}`;
/** Watchers on one stream: a create beyond it is refused (created and canceled at once, with the reason). */
export const MAX_WATCHERS_PER_STREAM = 1024;

export function createEtcdWatchService(node: EtcdWatchNode, o: EtcdWatchOptions): UntypedServiceImplementation {
  const progressNotifyMs = o.progressNotifyMs ?? DEFAULT_PROGRESS_NOTIFY_MS;
  const memberId = etcdIdOf(node.id);
  const header = (revision: number): WireHeader => ({ clusterId: etcdClusterId(o.clusterId()), memberId, revision: String(revision), raftTerm: String(node.leadership().term) });
  const watch = (call: ServerDuplexStream<WireWatchRequest, unknown>): void => {
    const refused = authorizeCall(call, o.auth);
    if (refused) return void call.emit('error', refused);
    new WatchStream(node, o, call, header, progressNotifyMs).start();
  };
  return { Watch: (call: ServerDuplexStream<WireWatchRequest, unknown>) => runBudgeted(o.streams, call, watch) };
}

/** One Watch stream: its watchers, and those behind. */
class WatchStream {
  private readonly watchers = new Map<number, Watcher>();
  /** Watchers with events still to send, waiting for the stream to drain. */
  private readonly behind = new Set<Watcher>();
  private nextId = 0;
  private blocked = false;
  /** A progress request answered once no watcher is behind (etcd answers when all are synced). */
  private progressAsked = false;
  private progressTicks: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: EtcdWatchNode,
    private readonly o: EtcdWatchOptions,
    private readonly call: ServerDuplexStream<WireWatchRequest, unknown>,
    private readonly header: (revision: number) => WireHeader,
    private readonly progressNotifyMs: number,
  ) {}

  start(): void {
    const { call } = this;
    const end = (): void => this.end();
    call.on('data', (req: WireWatchRequest) => this.receive(req));
    call.on('drain', () => this.drained());
    // A client that half-closes its side (every JSON gateway watch does, after its request
    // body) still wants its events: etcd keeps the stream until it is cancelled or closed.
    call.on('error', end);
    call.on('cancelled', end);
    call.on('close', end);
  }

  private end(): void {
    if (this.progressTicks !== undefined) clearInterval(this.progressTicks);
    for (const w of this.watchers.values()) w.unwatch();
    this.watchers.clear();
    this.behind.clear();
  }

  /** Takes `w` out of the stream and the hub; whether it was in. */
  private remove(w: Watcher | undefined): boolean {
    if (w === undefined || this.watchers.get(w.id) !== w) return false;
    w.unwatch();
    this.watchers.delete(w.id);
    this.behind.delete(w);
    return true;
  }

  private receive(req: WireWatchRequest): void {
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) {
      const id = Number(req.cancelRequest.watchId);
      if (this.remove(this.watchers.get(id))) this.send({ header: this.header(this.node.etcdStore().revision), watchId: String(id), canceled: true });
    } else if (req.progressRequest) {
      // etcd answers with the member's revision under watch id -1 once every watcher is caught up.
      this.progressAsked = true;
      if (!this.blocked && this.behind.size === 0) this.drained();
    }
  }

  private send(msg: object): void {
    const { call } = this;
    if (call.writable && !call.destroyed && !call.write(msg)) this.blocked = true;
  }

  /** Cancels `w`, whose history from `next` is compacted, with etcd's compact_revision. */
  private cancelCompacted(w: Watcher): void {
    this.remove(w);
    // Revision 0 in the header, as etcd's: its store answers a compacted watch with no revision.
    this.send({ header: this.header(0), watchId: String(w.id), canceled: true, compactRevision: String(this.node.etcdStore().compactRevision), cancelReason: ERR_COMPACTED });
  }

  /**
   * Sends `w` the events of one page (whole revisions) as one response, split into responses of
   * at most EVENTS_PER_RESPONSE, marked as fragments of one when the watcher allows it.
   */
  private sendEvents(w: Watcher, events: readonly WatchEvent[], revision: number): void {
    const wanted = events.filter((e) => !(e.type === 'PUT' ? w.noPut : w.noDelete));
    if (wanted.length > 0) w.sentSinceTick = true;
    for (let i = 0; i < wanted.length; i += EVENTS_PER_RESPONSE) {
      this.send({
        header: this.header(revision),
        watchId: String(w.id),
        events: wanted.slice(i, i + EVENTS_PER_RESPONSE).map((e) => ({ type: e.type, kv: kvToWire(e.kv), ...(w.prevKv && e.prevKv ? { prevKv: kvToWire(e.prevKv) } : {}) })),
        ...(w.fragment && i + EVENTS_PER_RESPONSE < wanted.length ? { fragment: true } : {}),
      });
    }
  }

  /**
   * Sends `w` what happened in its range since `w.next`, a page at a time while the stream
   * takes it; what is left waits in `behind` for the drain. Cancels `w` if that history is compacted.
   */
  private catchUp(w: Watcher): void {
    const store = this.node.etcdStore();
    const rangeEnd = w.rangeEnd.length > 0 ? w.rangeEnd : undefined;
    while (!this.blocked && w.next <= store.revision) {
      // Up to date but for the newest revision: the events of the keys it wrote, not a scan of the range.
      const newest = w.next === store.revision ? store.newestRevisionEvents(w.key, rangeEnd) : undefined;
      let page: { events: WatchEvent[]; next: number };
      try {
        page = newest !== undefined ? { events: newest, next: store.revision + 1 } : store.eventsPage(w.key, rangeEnd, w.next, HISTORY_PAGE_BYTES);
      } catch (err) {
        if (err instanceof MvccError && err.code === 'compacted') return this.cancelCompacted(w);
        throw err;
      }
      const last = page.events.length === 0 ? undefined : page.events[page.events.length - 1]!.kv.modRevision;
      checkInvariant(page.next > w.next && (last === undefined || (last >= w.next && last < page.next)), 'watch-events-once-in-order', () => `watcher ${w.id} at ${w.next} handed events up to ${last ?? 'none'} and moved to ${page.next}`);
      w.next = page.next;
      this.sendEvents(w, page.events, store.revision);
    }
    if (w.next <= store.revision) this.behind.add(w);
    else this.behind.delete(w);
  }

  /** The stream took what was written: the watchers behind go on, and a progress request waiting is answered. */
  private drained(): void {
    this.blocked = false;
    for (const w of this.behind) {
      if (this.blocked) break;
      this.catchUp(w);
    }
    if (this.progressAsked && this.behind.size === 0 && !this.blocked) {
      this.progressAsked = false;
      this.send({ header: this.header(this.node.etcdStore().revision), watchId: '-1' });
    }
  }

  /**
   * A progress notification to each watcher that asked for them and was sent no event since
   * the last tick: no events, the member's revision in the header, so a quiet watcher learns
   * how far it has seen (every watcher not behind is caught up with the member's store).
   */
  private tick(): void {
    const revision = this.node.etcdStore().revision;
    for (const w of this.watchers.values()) {
      if (!w.progressNotify || this.behind.has(w)) continue;
      if (!w.sentSinceTick) this.send({ header: this.header(revision), watchId: String(w.id) });
      w.sentSinceTick = false;
    }
  }

  private create(req: NonNullable<WireWatchRequest['createRequest']>): void {
    const store = this.node.etcdStore();
    const asked = Number(req.watchId);
    const id = asked > 0 ? asked : this.nextId;
    if (this.watchers.has(id)) {
      this.send({ header: this.header(store.revision), watchId: String(id), created: true, canceled: true, cancelReason: 'etcdserver: duplicate watch ID' });
      return;
    }
    this.nextId = Math.max(this.nextId, id) + 1;
    const start = Number(req.startRevision);
    const w: Watcher = {
      id,
      key: req.key,
      rangeEnd: req.rangeEnd,
      noPut: req.filters.includes('NOPUT'),
      noDelete: req.filters.includes('NODELETE'),
      prevKv: req.prevKv,
      progressNotify: req.progressNotify,
      fragment: req.fragment,
      sentSinceTick: false,
      next: start > 0 ? start : store.revision + 1,
      unwatch: () => undefined,
    };
    const refusal = this.createRefusal(req);
    if (refusal !== undefined) {
      this.send({ header: this.header(store.revision), watchId: '-1', created: true, canceled: true, cancelReason: refusal });
      return;
    }
    this.watchers.set(id, w);
    w.unwatch = this.node.keyspaceWatchers().watch(w.key, w.rangeEnd, (from) => this.touched(w, from));
    this.send({ header: this.header(store.revision), watchId: String(id), created: true });
    this.catchUp(w);
    if (w.progressNotify) this.progressTicks ??= setInterval(() => this.tick(), this.progressNotifyMs).unref();
  }

  /** Why a watch with a free id is refused (created and canceled at once), if it is. */
  private createRefusal(req: NonNullable<WireWatchRequest['createRequest']>): string | undefined {
    const { o } = this;
    if (req.key.length === 0 && req.rangeEnd.length === 0) return 'etcdserver: key is not provided';
    // etcd's read permission on the whole range, judged when the watch is created (as etcd's isWatchPermitted).
    const user = etcdKeysUser(this.call.metadata, o.auth);
    const auth = o.auth.etcdUsers?.auth();
    if (user !== undefined && auth !== undefined && !auth.permits(user, EtcdAuthStore.opChecks({ range: { key: req.key, rangeEnd: req.rangeEnd } }, () => []))) return WATCH_DENIED;
    if (this.watchers.size >= MAX_WATCHERS_PER_STREAM) {
      o.limitRefusals?.refused('etcd-watchers-per-stream');
      return `etcdserver: too many watchers on one stream (${MAX_WATCHERS_PER_STREAM}); open another stream`;
    }
    return undefined;
  }

  /** The hub says a change may concern `w`, which has heard of every revision of its range below `from`. */
  private touched(w: Watcher, from: number): void {
    // Removed while the hub was calling others; or behind, with events before `from` still to send: it goes on at the drain.
    if (this.watchers.get(w.id) !== w || this.behind.has(w)) return;
    if (w.next < from) w.next = from;
    try {
      this.catchUp(w);
    } catch (err) {
      this.call.emit('error', { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
    }
  }
}
