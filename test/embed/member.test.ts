/**
 * `fleet/embed` in this process, as a host uses it: `ready()` before the first write, the state
 * machine typed in `read`, a code on every refusal, `status()` after a stop or a failure, and
 * only the APIs the host asked for on its port. Each of the issue-57 reports has its test here
 * (or in test/embed/failures.test.ts, grpc-log.test.ts, test/e2e/embed.test.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { FleetClient } from '../../src/client/fleet-client.js';
import { lazyEtcdServices } from '../../src/core/server/etcd-api/etcd-wire.js';
import { MemberError, startMember, type AppCommand, type EmbeddedMember, type StateMachine } from '../../src/embed/index.js';
import { freePort, tempDir } from '../e2e/processes.js';

const dir = tempDir('fleet-embed-member-');
afterAll(() => dir.cleanup());
let n = 0;
const dataDir = (): string => join(dir.path, `m${++n}`);

class Counter implements StateMachine {
  total = 0;
  apply(command: AppCommand): number {
    const text = Buffer.from(command.payload).toString();
    if (text === 'boom') throw new Error('cannot count boom');
    this.total += Number(text);
    return this.total;
  }
  snapshot(): Uint8Array {
    return Buffer.from(String(this.total));
  }
  restore(image: Uint8Array): void {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<MemberError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof MemberError) return err;
    throw err;
  }
  throw new Error('expected a MemberError');
}

const fast = { heartbeatMs: 20, electionTimeoutMs: 100 };

describe('ready()', () => {
  it('resolves once a leader is known and its commits applied: a write right after it succeeds (the documented snippet)', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    try {
      expect(member.status().state).toBe('starting');
      const ready = await member.ready();
      expect(ready.leaderId).toBe('a');
      expect(member.status().state).toBe('running');
      expect(await member.submitWrite('add', '5')).toMatchObject({ value: 5 });
      // Once ready, it stays resolved.
      await expect(member.ready()).resolves.toEqual(ready);
    } finally {
      await member.stop();
    }
  });

  it('a write before it is refused with NO_LEADER, retryable', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    try {
      const err = await failure(member.submitWrite('add', '1'));
      expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'NO_LEADER', retryable: true });
    } finally {
      await member.stop();
    }
  });

  it('rejects with TIMEOUT when no quorum answers in time, ABORTED on its signal, STOPPED when the member stops first', async () => {
    const peers = { a: `127.0.0.1:${await freePort()}`, b: `127.0.0.1:${await freePort()}`, c: `127.0.0.1:${await freePort()}` };
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: peers.a, peers, ...fast });
    try {
      const timedOut = await failure(member.ready({ timeoutMs: 300 }));
      expect(timedOut.code).toBe('TIMEOUT');
      expect(timedOut.message).toMatch(/member a was not ready within 300 ms: it knows no leader/);
      const controller = new AbortController();
      const aborted = member.ready({ signal: controller.signal });
      controller.abort();
      expect((await failure(aborted)).code).toBe('ABORTED');
      expect((await failure(member.ready({ timeoutMs: -1 }))).code).toBe('INVALID_ARGUMENT');
      const pending = failure(member.ready());
      await member.stop();
      expect((await pending).code).toBe('STOPPED');
      expect((await failure(member.ready())).code).toBe('STOPPED');
    } finally {
      await member.stop();
    }
  });
});

describe('the state machine and the events are typed', () => {
  it('read hands the query the machine the host gave, and on() knows each event', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    try {
      expectTypeOf(member).toEqualTypeOf<EmbeddedMember<Counter>>();
      await member.ready();
      await member.submitWrite('add', '3');
      const { value } = await member.read((counter) => counter.total);
      expectTypeOf(value).toEqualTypeOf<number>();
      expect(value).toBe(3);
      member.on('fatal', (err) => expectTypeOf(err).toEqualTypeOf<MemberError>());
      member.on('fault', (fault) => expectTypeOf(fault.code).toEqualTypeOf<'DIVERGED' | 'APPLY_FAILED'>());
      // @ts-expect-error: not an event a member emits
      member.on('fatl', () => undefined);
    } finally {
      await member.stop();
    }
  });
});

describe('every refusal has a code', () => {
  it('a port another program holds: PORT_IN_USE, nothing written to stderr, nothing left bound', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const err = await failure(startMember({ id: 'a', dataDir: dataDir(), listen: `127.0.0.1:${port}` }));
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.retryable).toBe(false);
      expect(err.message).not.toMatch(/--debug|fleet status/);
    } finally {
      taken.close();
    }
  });

  it('no state machine: NO_STATE_MACHINE; client() without the fleet API: API_NOT_SERVED; bad options: BAD_MEMBER_OPTIONS', async () => {
    expect((await failure(startMember({ id: '../evil', dataDir: dataDir(), listen: '127.0.0.1:0' }))).code).toBe('BAD_MEMBER_OPTIONS');
    expect((await failure(startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', peers: { a: '127.0.0.1:0' } }))).code).toBe('BAD_MEMBER_OPTIONS');
    // @ts-expect-error: not an API
    expect((await failure(startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', apis: ['grpc'] }))).code).toBe('BAD_MEMBER_OPTIONS');
    expect(await failure(startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', snapshotCatchupEntries: -1 }))).toMatchObject({ code: 'BAD_MEMBER_OPTIONS', message: expect.stringMatching(/^snapshotCatchupEntries -1: use a whole number of entries, 0 or more/) });
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0' });
    try {
      expect((await failure(member.submitWrite('add', '1'))).code).toBe('NO_STATE_MACHINE');
      expect((await failure(member.read(() => 1))).code).toBe('NO_STATE_MACHINE');
      expect((await failure(() => member.client())).code).toBe('API_NOT_SERVED');
      expect((await failure(member.submitWrite('', '1'))).code).toBe('INVALID_ARGUMENT');
    } finally {
      await member.stop();
    }
  });

  it('a data dir another member holds: DATA_DIR_LOCKED', async () => {
    const shared = dataDir();
    const member = await startMember({ id: 'a', dataDir: shared, listen: '127.0.0.1:0' });
    try {
      expect((await failure(startMember({ id: 'a', dataDir: shared, listen: '127.0.0.1:0' }))).code).toBe('DATA_DIR_LOCKED');
    } finally {
      await member.stop();
    }
  });
});

describe('status() after the end', () => {
  it('says stopped after stop(), and calls are refused with STOPPED', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    await member.ready();
    expect(member.status().role).toBe('leader');
    await member.stop();
    expect(member.status()).toMatchObject({ state: 'stopped', role: 'stopped', leaderId: '' });
    expect((await failure(member.submitWrite('add', '1'))).code).toBe('STOPPED');
    expect((await failure(member.read((c) => c.total))).code).toBe('STOPPED');
  });

  it('says failed after fatal (an apply that threw), with the write that did it refused as FAILED', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    const fatal = new Promise<MemberError>((resolve) => member.once('fatal', resolve));
    await member.ready();
    const err = await failure(member.submitWrite('add', 'boom'));
    expect(err.code).toBe('FAILED');
    expect(err.message).toMatch(/may or may not have applied/);
    const told = await fatal;
    expect({ code: told.code, fault: told.fault?.code }).toEqual({ code: 'FAILED', fault: 'APPLY_FAILED' });
    expect(member.status()).toMatchObject({ state: 'failed', role: 'failed', leaderId: '' });
    expect((await failure(member.ready())).code).toBe('FAILED');
    await member.stop();
    expect(member.status().state).toBe('failed');
  });
});

describe('only the APIs the host asked for', () => {
  it('by default neither fleet.v1 (but the forwarding of writes) nor etcd is served; each refusal names the option', async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', stateMachine: new Counter() });
    const client = new FleetClient({ endpoints: [`127.0.0.1:${member.port}`], overallTimeoutMs: 3_000 });
    try {
      await member.ready();
      const refused = await client.kvPut('k', 'v').then(() => 'served', (err: Error) => err.message);
      expect(refused).toMatch(/the fleet.v1 API is not served by this member: .*apis option/);
      expect(await etcdRange(member.port)).toMatch(/the etcd v3 API is not served by this member: .*apis option/);
      // What a follower's forwarding needs stays: Submit (and Status, to find the leader).
      expect(await client.submit('add', Buffer.from('2'))).toMatchObject({ value: 2 });
    } finally {
      client.close();
      await member.stop();
    }
  });

  it("apis: ['fleet', 'etcd'] serves both", async () => {
    const member = await startMember({ id: 'a', dataDir: dataDir(), listen: '127.0.0.1:0', apis: ['fleet', 'etcd'] });
    try {
      await member.ready();
      const client = member.client();
      expect((await client.kvPut('k', 'v')).index).toBeGreaterThan(0);
      expect(await etcdRange(member.port)).toBe('served');
    } finally {
      await member.stop();
    }
  });
});

/** An etcd KV Range on the member's port: 'served', or the refusal's message. */
async function etcdRange(port: number): Promise<string> {
  const def = lazyEtcdServices().KV;
  const Client = grpc.makeGenericClientConstructor(def, 'KV');
  const c = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    Range(req: object, cb: (err: grpc.ServiceError | null) => void): void;
    close(): void;
  };
  try {
    return await new Promise<string>((resolve) => c.Range({ key: Buffer.from('k') }, (err) => resolve(err ? err.details : 'served')));
  } finally {
    c.close();
  }
}
