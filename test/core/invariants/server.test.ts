/**
 * The server's invariants, each broken on purpose: by a fake stream or store that misbehaves, by
 * bounds no limit can keep, or by a planted bug in a private step. (`rpc-authorized-first` is in
 * authorized-first.test.ts: it needs a planted auth module.)
 */
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../../src/core/etcd-store/watch-hub.js';
import { createEtcdWatchService } from '../../../src/core/server/etcd-api/etcd-watch-service.js';
import { KeepAliveRelays } from '../../../src/core/server/etcd-api/keepalive-relay.js';
import { HealthService } from '../../../src/core/server/fleet-api/health-service.js';
import { StreamBudget } from '../../../src/core/server/guard/bounds.js';
import { limitConnections } from '../../../src/core/server/guard/connection-limit.js';
import { LimitRefusals, type CountedLimit } from '../../../src/core/server/guard/limit-refusals.js';
import { PeerAuthenticator, RejectionLog } from '../../../src/core/server/guard/peer-auth.js';
import { RepeatedWarnings } from '../../../src/core/server/guard/repeated-warnings.js';
import { SnapshotReceiver } from '../../../src/core/server/peer/snapshot-receiver.js';
import { tempDir } from '../../temp-dirs.js';
import { expectInvariant } from './expect-invariant.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('the etcd Watch service', () => {
  /** A stream watching everything from revision 1 of `store`. */
  function watchAll(store: MvccStore): () => void {
    const service = createEtcdWatchService({ id: 'n1', etcdStore: () => store, keyspaceWatchers: () => new KeyspaceWatchHub(() => store), leadership: () => ({ term: 1, leader: 'n1' }) }, { auth: {}, clusterId: () => 'c1' });
    const call = Object.assign(new EventEmitter(), { writable: true, destroyed: false, metadata: new Metadata(), getPath: () => '/etcdserverpb.Watch/Watch', write: () => true, end: () => undefined });
    (service.Watch as (c: unknown) => void)(call);
    return () => call.emit('data', { createRequest: { key: b('a'), rangeEnd: b('\0'), startRevision: '1', progressNotify: false, filters: [], prevKv: false, watchId: '0', fragment: false } });
  }

  it('sends each revision once and in order: a page that does not move the watcher on is refused', () => {
    const store = new MvccStore(1);
    store.put({ key: b('a'), value: b('1') });
    store.put({ key: b('b'), value: b('2') });
    expect(() => watchAll(store)()).not.toThrow();
    // The planted bug: a page that hands back the revision it started from (once: unchecked, it would not end).
    const real = store.eventsPage.bind(store);
    let planted = false;
    store.eventsPage = (key, end, from, max) => (planted ? real(key, end, from, max) : ((planted = true), { events: [], next: from }));
    expectInvariant(watchAll(store), 'watch-events-once-in-order');
  });

  it('sends each revision once and in order: events at or past the page end are refused', () => {
    const store = new MvccStore(1);
    store.put({ key: b('a'), value: b('1') });
    store.put({ key: b('b'), value: b('2') });
    const real = store.eventsPage.bind(store);
    // The planted bug: the page says it ends before its last event.
    store.eventsPage = (key, end, from, max) => {
      const page = real(key, end, from, max);
      return { events: page.events, next: page.events[page.events.length - 1]!.kv.modRevision };
    };
    expectInvariant(watchAll(store), 'watch-events-once-in-order');
  });
});

describe('KeepAliveRelays', () => {
  /** A keep-alive stream; `endsAtOnce` makes it end as soon as its 'end' listener is added. */
  function stream(endsAtOnce: boolean) {
    const s = new EventEmitter() as EventEmitter & { write(): boolean; cancel(): void };
    s.write = () => true;
    s.cancel = () => undefined;
    if (endsAtOnce) {
      const on = s.on.bind(s);
      s.on = (event: string | symbol, listener: (...args: unknown[]) => void) => {
        on(event, listener);
        if (event === 'end') listener();
        return s;
      };
    }
    return s as never;
  }
  const waiter = () => ({ answer: () => undefined, fail: () => undefined });

  it('settles every request once: none joins a relay that has ended', () => {
    const relays = new KeepAliveRelays();
    expect(() => relays.send('leader', () => stream(false), { ID: '1' }, waiter())).not.toThrow();
    // The planted bug: a stream that ends before the request is queued on it; its waiter would wait forever.
    expectInvariant(() => relays.send('other', () => stream(true), { ID: '2' }, waiter()), 'keepalive-settled-once');
  });
});

describe('HealthService', () => {
  it('never makes a known service unknown again', () => {
    const health = new HealthService(['fleet.v1.Fleet']);
    health.setServing('fleet.v1.Fleet', true);
    expectInvariant(() => health.setServing('fleet.v1.Fleet', 'UNKNOWN'), 'health-known-stays-known');
    expect(health.status('fleet.v1.Fleet')).toBe('SERVING');
  });

  it('tells every watcher each change in order: a watcher may not change a status while others are being told', () => {
    const health = new HealthService();
    const seen: string[] = [];
    const call = Object.assign(new EventEmitter(), {
      request: { service: '' },
      getPeer: () => '127.0.0.1:5000',
      write: (m: { status: string }) => {
        seen.push(m.status);
        // The planted bug: a watcher that reacts to SERVING by changing the status again.
        if (m.status === 'SERVING') health.setServing('', false);
      },
    });
    (health.handlers().Watch as (c: unknown) => void)(call);
    expectInvariant(() => health.setServing('', true), 'health-changes-in-order');
  });
});

describe('SnapshotReceiver', () => {
  const spoolDir = (): string => tempDir('fleet-inv-spool-').path;

  it('keeps the spool file only between the first chunk and the end', () => {
    const d = spoolDir();
    const r = new SnapshotReceiver({ dir: d, maxBytes: 1 << 20 }, 'n1');
    expect(r.write(new Uint8Array(10))).toBeUndefined();
    expect(r.finish()).toHaveLength(10);
    // The planted bug: a chunk after the end, which would open the spool file again and leave it.
    expectInvariant(() => r.write(new Uint8Array(10)), 'snapshot-spool-lifetime');
    expect(readdirSync(d)).toEqual([]);
  });

  it('spools no more than the limit', () => {
    // A limit no size is within: the refusal above it never fires.
    const r = new SnapshotReceiver({ dir: spoolDir(), maxBytes: Number.NaN }, 'n1');
    expectInvariant(() => r.write(new Uint8Array(10)), 'snapshot-spool-within-limit');
    r.discard();
  });

  it('reads back what it wrote', () => {
    const d = spoolDir();
    const r = new SnapshotReceiver({ dir: d, maxBytes: 1 << 20 }, 'n1');
    r.write(new Uint8Array(100));
    // The planted bug: something else cuts the spool file short.
    const [file] = readdirSync(d);
    truncateSync(join(d, file!), 40);
    expectInvariant(() => r.finish(), 'snapshot-spool-size');
    expect(existsSync(join(d, file!))).toBe(false);
  });
});

describe('limitConnections', () => {
  /** A server with one listener; `connect` offers it a socket from `address`. */
  function serverWith(limits: { maxConnections: number; maxConnectionsPerAddress: number; makeRoom?: () => boolean }) {
    const listener = new EventEmitter();
    const server = { http2Servers: new Map([[listener, {}]]) } as unknown as GrpcServer;
    limitConnections(server, limits);
    return (address: string) => {
      const socket = Object.assign(new EventEmitter(), { remoteAddress: address, destroy: () => undefined });
      return listener.emit('connection', socket);
    };
  }

  it('admits no socket beyond the limit per address', () => {
    const connect = serverWith({ maxConnections: 10, maxConnectionsPerAddress: Number.NaN });
    expectInvariant(() => connect('10.0.0.1'), 'connection-limits');
  });

  it('admits no socket beyond the member limit unless room was made', () => {
    const connect = serverWith({ maxConnections: Number.NaN, maxConnectionsPerAddress: 10 });
    expectInvariant(() => connect('10.0.0.1'), 'connection-limits');
    const bounded = serverWith({ maxConnections: 1, maxConnectionsPerAddress: 10, makeRoom: () => true });
    expect(bounded('10.0.0.1')).toBe(false); // no 'connection' listener of its own: admitted, nobody listening
    expect(() => bounded('10.0.0.2')).not.toThrow(); // beyond the limit, but makeRoom closed one
  });
});

describe('PeerAuthenticator', () => {
  it('admits a stream only as the one member its credentials name', () => {
    const auth = new PeerAuthenticator('n1', 'c1', { mutualTls: true });
    // The planted bug: a certificate check that vouches for no one.
    (auth as unknown as { certificateId(): string }).certificateId = () => '';
    expectInvariant(() => auth.authenticate({ metadata: new Metadata(), certificate: undefined }), 'peer-admitted-as-one-member');
  });
});

describe('RejectionLog', () => {
  it('bounds its lines by an interval, so it needs one', () => {
    expect(() => new RejectionLog({ warn: () => undefined }, 60_000)).not.toThrow();
    expectInvariant(() => new RejectionLog({ warn: () => undefined }, 0), 'peer-rejection-lines-bounded');
  });
});

describe('LimitRefusals', () => {
  it('counts only the limits it exports', () => {
    const refusals = new LimitRefusals();
    refusals.refused('kv-keys');
    expectInvariant(() => refusals.refused('no-such-limit' as CountedLimit), 'limit-refusals-counted-limits');
    expect(refusals.counts.has('no-such-limit' as CountedLimit)).toBe(false);
  });
});

describe('RepeatedWarnings', () => {
  it('remembers at most maxKeys keys', () => {
    expect(new RepeatedWarnings(60_000, () => 0, 1).take('a')).toEqual({ held: 0 });
    expectInvariant(() => new RepeatedWarnings(60_000, () => 0, 0).take('a'), 'repeated-warnings-bounded');
  });
});

describe('StreamBudget', () => {
  it('counts a stream only within both limits', () => {
    expectInvariant(() => new StreamBudget('watch', Number.NaN, 10).tryOpen('10.0.0.1:5000'), 'stream-budget-within-limits');
    expectInvariant(() => new StreamBudget('watch', 10, Number.NaN).tryOpen('10.0.0.1:5000'), 'stream-budget-within-limits');
  });
});

