// The processes bench/library.ts measures, each a program as a user of the library writes it:
// `fleet` by the package's name (over dist/, through package.json `exports`), `etcd3` from
// node_modules. Events are JSON lines on stdout, times in ms of wall clock
// (performance.timeOrigin + performance.now(), comparable across processes on one machine).
//   import NAME                              {ms, rssAdded}: import('NAME') in this fresh process (RSS after GC)
//   elect SYSTEM ENDPOINTS NAME TTL_S        {event: ready}, then {event: leader, t} once it leads; runs until killed
//   lock KIND ENDPOINTS NAME HOLD_MS PAUSE_MS
//                                            {event: ready}; after a line on stdin, forever: take the lock,
//                                            {event: acquired, t}, hold it HOLD_MS, {event: release, t}, release it,
//                                            pause PAUSE_MS; KIND: fleet (Mutex), etcd3-lock (Lock, retried at once on
//                                            EtcdLockFailedError), etcd3-queue (Election: a FIFO queue by create revision)
//   sessions SYSTEM ENDPOINTS N TTL_S        {event: ready, ms} once N sessions each hold a lease (etcd3: N leases,
//                                            each with a key), kept alive by the library; runs until killed
// SYSTEM: fleet or etcd3. ENDPOINTS: host:port,… of the cluster.
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setInterval, setTimeout as sleep } from 'node:timers/promises';

const [mode, ...args] = process.argv.slice(2);

function now() {
  return performance.timeOrigin + performance.now();
}

function say(event, fields = {}) {
  console.log(JSON.stringify({ event, t: now(), ...fields }));
}

function rss() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

/** Keeps the process alive until it is killed (the libraries' timers may be unref'd). */
async function forever() {
  for await (const _ of setInterval(60_000));
}

async function fleetClient(endpoints) {
  const fleet = await import('fleet');
  return { fleet, client: await fleet.connect({ endpoints: endpoints.split(',') }) };
}

async function etcd3Client(endpoints) {
  const etcd3 = await import('etcd3');
  return { etcd3, client: new etcd3.Etcd3({ hosts: endpoints.split(',') }) };
}

async function elect(system, endpoints, name, ttlS) {
  const value = String(process.pid);
  if (system === 'fleet') {
    const { fleet, client } = await fleetClient(endpoints);
    const election = new fleet.Election(new fleet.Session(client, { ttlMs: ttlS * 1000 }), name);
    say('ready');
    await election.campaign(value);
  } else {
    const { client } = await etcd3Client(endpoints);
    const campaign = client.election(name, ttlS).campaign(value);
    say('ready');
    await campaign.wait();
  }
  say('leader');
  await forever();
}

/** Takes the lock and answers how to release it, for each kind of lock. */
async function locker(kind, endpoints, name) {
  if (kind === 'fleet') {
    const { fleet, client } = await fleetClient(endpoints);
    const mutex = new fleet.Mutex(new fleet.Session(client, { ttlMs: 10_000 }), name);
    return async () => {
      await mutex.lock();
      return () => mutex.unlock();
    };
  }
  const { etcd3, client } = await etcd3Client(endpoints);
  if (kind === 'etcd3-lock') {
    return async () => {
      for (;;) {
        const lock = client.lock(name).ttl(10);
        try {
          await lock.acquire();
          return () => lock.release();
        } catch (err) {
          // etcd3's Lock does not queue: a contender tries again, at once.
          if (!(err instanceof etcd3.EtcdLockFailedError)) throw err;
        }
      }
    };
  }
  if (kind === 'etcd3-queue') {
    const election = client.election(name, 10);
    return async () => {
      const campaign = await election.campaign(String(process.pid)).wait();
      return () => campaign.resign();
    };
  }
  throw new Error(`unknown lock kind ${kind}`);
}

async function lock(kind, endpoints, name, holdMs, pauseMs) {
  const take = await locker(kind, endpoints, name);
  say('ready');
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  for (;;) {
    const release = await take();
    say('acquired');
    await sleep(holdMs);
    say('release');
    await release();
    await sleep(pauseMs);
  }
}

/** Runs `fn(0..n-1)` with `concurrency` in flight. */
async function pool(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function sessions(system, endpoints, n, ttlS) {
  const t0 = performance.now();
  if (system === 'fleet') {
    const { fleet, client } = await fleetClient(endpoints);
    await pool(n, 50, async (i) => {
      const session = new fleet.Session(client, { ttlMs: ttlS * 1000 });
      await new fleet.Mutex(session, `bench-sessions/${i}`).lock();
    });
  } else {
    const { client } = await etcd3Client(endpoints);
    await pool(n, 50, async (i) => {
      const lease = client.lease(ttlS);
      await lease.put(`bench-sessions/${i}`).value('');
    });
  }
  say('ready', { ms: performance.now() - t0 });
  await forever();
}

if (mode === 'import') {
  const before = rss();
  const t0 = performance.now();
  await import(args[0]);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, rssAdded: rss() - before }));
} else if (mode === 'elect') {
  await elect(args[0], args[1], args[2], Number(args[3]));
} else if (mode === 'lock') {
  await lock(args[0], args[1], args[2], Number(args[3]), Number(args[4]));
} else if (mode === 'sessions') {
  await sessions(args[0], args[1], Number(args[2]), Number(args[3]));
} else {
  throw new Error(`unknown mode ${mode}`);
}
