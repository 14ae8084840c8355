import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { detailsFromWire } from '../../../../src/client/decode.js';
import { detailsToWire } from '../../../../src/core/server/fleet-api/wire-results.js';
import { METADATA, loadFleetProto } from '../../../../src/proto/index.js';
import type * as wire from '../../../../src/proto/index.js';
import { FakeNode, closedPortAddress, startServer, waitFor, type TestServer } from '../harness.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(node: FakeNode, auth: { token?: string; adminToken?: string } = {}): Promise<TestServer> {
  const s = await startServer(node, auth);
  cleanups.push(() => s.stop());
  return s;
}

function stubs(address: string): { fleet: wire.FleetClient; admin: wire.AdminClient; health: wire.HealthClient } {
  const proto = loadFleetProto();
  const creds = grpc.credentials.createInsecure();
  const fleet = new proto.fleet.v1.Fleet(address, creds);
  const admin = new proto.fleet.v1.Admin(address, creds, { channelOverride: fleet.getChannel() });
  const health = new proto.grpc.health.v1.Health(address, creds, { channelOverride: fleet.getChannel() });
  cleanups.push(() => fleet.close());
  return { fleet, admin, health };
}

function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

/** A unary call as a promise of its answer or its ServiceError. */
function call<Req, Res>(fn: Unary<Req, Res>, req: Req, md = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, md, (err, res) => (err ? reject(err) : resolve(res!))));
}

async function rejection(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('client service', () => {
  it('rejects a write without a command, and a bad enum, as INVALID_ARGUMENT naming the field', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const { fleet } = stubs(address);
    const none = await rejection(call(fleet.Write.bind(fleet), { clientId: 'c', seq: 1 }));
    expect(none.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(none.details).toMatch(/^command: none set; set one of shard_register, /);
    const badEnum = await rejection(call(fleet.Write.bind(fleet), { shardSetState: { id: 's1' } }));
    expect(badEnum.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badEnum.details).toMatch(/^shard_set_state\.state: got SHARD_STATE_UNSPECIFIED/);
    const badValue = await rejection(call(fleet.Write.bind(fleet), { shardRegister: { id: 's1', address: 'nowhere', region: 'r', zone: 'z' } }));
    expect(badValue.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badValue.details).toMatch(/^shard_register: .*'address'/);
    const reserved = await rejection(call(fleet.Write.bind(fleet), { kvPut: { key: 'autopilot', value: '{}', ns: 'fleet.system' } }));
    expect(reserved.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(reserved.details).toMatch(/^kv_put: the namespace fleet.system holds fleet's own settings/);
    const noQuery = await rejection(call(fleet.Read.bind(fleet), {}));
    expect(noQuery.details).toMatch(/^query: none set/);
    const both = await rejection(call(fleet.Read.bind(fleet), { listClusters: { shard: 's1', unbound: true } }));
    expect(both.details).toMatch(/^list_clusters: give either shard or unbound/);
  });

  it('fails a refused unary write with FAILED_PRECONDITION and the WriteResponse in the trailers', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const { fleet } = stubs(address);
    const write = fleet.Write.bind(fleet);
    await call(write, { shardRegister: { id: 's1', address: '10.0.0.1:1', region: 'r', zone: 'z', capacity: 5 } });
    await call(write, { shardRegister: { id: 's2', address: '10.0.0.2:1', region: 'r', zone: 'z', capacity: 5 } });
    const ok = await call(write, { clientId: 'cli', seq: 1, clusterContact: { cluster: 'c1', shard: 's1' } });
    expect(ok).toMatchObject({ index: 3, result: 'clusterContact', clusterContact: { cluster: { name: 'c1', shard: 's1' }, created: true } });
    const err = await rejection(call(write, { clientId: 'cli', seq: 2, firstIncomplete: 2, clusterContact: { cluster: 'c1', shard: 's2' } }));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.metadata.get(METADATA.errorCode)).toEqual(['ALREADY_BOUND']);
    const bin = err.metadata.get(METADATA.writeResponse)[0] as Buffer;
    const response = loadFleetProto().fleet.v1.Fleet.service.Write.responseDeserialize(bin);
    expect(response).toMatchObject({ index: 4, result: 'error', error: { code: 'ALREADY_BOUND', details: { cluster: 'c1', currentShard: 's1', generation: 1 } } });
    const missing = await rejection(call(write, { clusterContact: { cluster: 'c9', shard: 'nope' } }));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
  });

  it('answers NOT_LEADER with UNAVAILABLE and the leader in the trailers', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1', leader: false, leaderHint: { id: 'n2', address: '10.9.9.9:7000' } }));
    const { fleet } = stubs(address);
    const err = await rejection(call(fleet.Write.bind(fleet), { kvPut: { key: 'k', value: 'v' } }));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.metadata.get(METADATA.leaderId)).toEqual(['n2']);
    expect(err.metadata.get(METADATA.leaderAddress)).toEqual(['10.9.9.9:7000']);
    const read = await rejection(call(fleet.Read.bind(fleet), { counts: {} }));
    expect(read.code).toBe(grpc.status.UNAVAILABLE);
    // A follower read does not need the leader.
    expect(await call(fleet.Read.bind(fleet), { maxStalenessMs: 1000, counts: {} })).toMatchObject({ result: 'counts', counts: { shards: 0 } });
  });

  it('serves many operations on one session stream, answering each by id and failing only the bad one', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const { fleet } = stubs(address);
    const stream = fleet.Session();
    const answers = new Map<number, wire.SessionResponse__Output>();
    stream.on('data', (frame: wire.SessionResponses__Output) => {
      for (const r of frame.responses) answers.set(r.id, r);
    });
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    stream.write({ requests: [{ id: 10, write: { clientId: 'cli', seq: 1, kvPut: { key: 'a', value: '1' } } }] });
    // Several operations in one frame are served like separate ones; an empty frame is ignored.
    stream.write({
      requests: [
        { id: 11, write: { clientId: 'cli', seq: 2, kvCas: { key: 'a', value: '2' } } },
        { id: 12 },
        { id: 13, read: { kvGet: { key: 'a' } } },
      ],
    });
    stream.write({ requests: [] });
    stream.write({ requests: [{ id: 14, write: { clientId: 'cli', seq: 3 } }] });
    await waitFor(() => answers.size === 5, 5000, 'five answers');
    stream.end();
    await ended;
    expect(answers.get(10)).toMatchObject({ answer: 'write', write: { result: 'kvPut', kvPut: { revision: 1 } } });
    expect(answers.get(11)).toMatchObject({ write: { result: 'error', error: { code: 'CAS_FAILED', details: { key: 'a', currentValue: '1', currentRevision: 1 } } } });
    expect(answers.get(12)).toMatchObject({ answer: 'error', error: { code: grpc.status.INVALID_ARGUMENT } });
    expect(answers.get(13)).toMatchObject({ answer: 'read', read: { kvGet: { entry: { key: 'a', value: '1' } } } });
    expect(answers.get(14)).toMatchObject({ answer: 'error', error: { code: grpc.status.INVALID_ARGUMENT, message: expect.stringMatching(/^command: none set/) } });
  });

  it('checks the token once when a session stream opens', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }), { token: 'secret' });
    const { fleet } = stubs(address);
    const refused = fleet.Session();
    const err = await new Promise<grpc.ServiceError>((resolve) => refused.on('error', resolve));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);

    const accepted = fleet.Session(bearer('secret'));
    const answer = new Promise<wire.SessionResponses__Output>((resolve) => accepted.on('data', resolve));
    const ended = new Promise<void>((resolve) => accepted.on('end', resolve));
    accepted.write({ requests: [{ id: 1, read: { counts: {} } }] });
    expect((await answer).responses).toMatchObject([{ id: 1, answer: 'read' }]);
    accepted.end();
    await ended;
  });
});

describe('admin service', () => {
  it('needs the admin token: none is UNAUTHENTICATED, any other PERMISSION_DENIED', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }), { token: 'user', adminToken: 'root' });
    const { admin, fleet } = stubs(address);
    const audit = admin.GetAudit.bind(admin);
    expect((await rejection(call(audit, {}))).code).toBe(grpc.status.UNAUTHENTICATED);
    const writer = await rejection(call(audit, {}, bearer('user')));
    expect(writer.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(writer.details).toMatch(/^Admin\.GetAudit needs the admin role; the token presented \(token\) has the writer role/);
    expect((await rejection(call(audit, {}, bearer('garbage')))).code).toBe(grpc.status.PERMISSION_DENIED);
    const list = admin.ListMembers.bind(admin);
    // Listing members needs only the read role (rpc-roles.ts).
    expect(await call(list, {}, bearer('user'))).toMatchObject({ members: [{ id: 'n1', voter: true }], leaderId: 'n1' });
    expect(await call(list, {}, bearer('root'))).toMatchObject({ members: [{ id: 'n1', voter: true }], leaderId: 'n1' });
    // The admin token also opens the client API.
    expect(await call(fleet.Status.bind(fleet), {}, bearer('root'))).toMatchObject({ id: 'n1', role: 'MEMBER_ROLE_LEADER' });
    const denied = admin.DownloadSnapshot({}, bearer('user'));
    denied.on('data', () => {});
    expect((await new Promise<grpc.ServiceError>((resolve) => denied.on('error', resolve))).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('maps node errors and bad input to status codes', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const { admin } = stubs(address);
    const add = admin.AddMember.bind(admin);
    expect((await rejection(call(add, { id: '', address: '10.0.0.1:1' }))).details).toMatch(/^id: /);
    expect((await rejection(call(add, { id: 'n1', address: '10.0.0.1:1', learner: true }))).code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await call(add, { id: 'n4', address: '10.0.0.4:1', learner: true })).toMatchObject({ leaderId: 'n1' });
  });

  it('refuses a malformed AddMember with INVALID_ARGUMENT before anything is proposed or audited (issue 42)', async () => {
    const node = new FakeNode({ id: 'n1' });
    const { address } = await serve(node);
    const { admin } = stubs(address);
    const add = admin.AddMember.bind(admin);
    let added = 0;
    const addMember = node.addMember.bind(node);
    node.addMember = async (id: string) => {
      added++;
      return addMember(id);
    };
    // What the probe of issue 42 sent: an id with terminal escapes, and no address at all.
    const cases = [
      [{ id: 'n4\u001b[2J\u001b[31mpwned', address, learner: true }, /^id: invalid member id "n4\\u001b\[2J/],
      [{ id: '../../n4', address, learner: true }, /^id: invalid member id/],
      [{ id: 'n'.repeat(64), address, learner: true }, /^id: invalid member id/],
      [{ id: 'n4', address: 'not an address at all' }, /^address: address "not an address at all" is not host:port/],
      [{ id: 'n4', address: '127.0.0.1:99999', learner: true }, /^address: /],
      [{ id: 'n4', address: '127.0.0.1:0', learner: true }, /^address: /],
      [{ id: 'n4', address: '127.0.0.1', learner: true }, /^address: /],
      [{ id: 'n4', address: '', learner: true }, /^address: the new member's host:port is required/],
    ] as const;
    for (const [req, details] of cases) {
      const err = await rejection(call(add, req));
      expect(err.code, JSON.stringify(req)).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(details);
    }
    expect(added).toBe(0);
    expect(node.writeCalls).toBe(0); // no audit entry either
  });

  it('refuses a new voter nothing answers for, as the CLI gate does; a learner may come before its process', async () => {
    const node = new FakeNode({ id: 'n1' });
    const { address } = await serve(node);
    const { admin } = stubs(address);
    const add = admin.AddMember.bind(admin);
    const closed = await closedPortAddress();
    const refused = await rejection(call(add, { id: 'n4', address: closed }));
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/a new voter must answer at its address, and nothing accepted a connection at 127\.0\.0\.1:\d+ .*add it as a learner/);
    expect(node.writeCalls).toBe(0);
    expect(await call(add, { id: 'n4', address: closed, learner: true })).toMatchObject({ leaderId: 'n1' });
    // A voter whose port answers passes the gate (here: this server's own port).
    expect(await call(add, { id: 'n5', address })).toMatchObject({ leaderId: 'n1' });
  });
});

describe('health service', () => {
  it('answers Check and streams changes to Watch', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const { health } = stubs(s.address);
    expect(await call(health.Check.bind(health), { service: '' })).toEqual({ status: 'SERVING' });
    expect((await rejection(call(health.Check.bind(health), { service: 'nope' }))).code).toBe(grpc.status.NOT_FOUND);
    const seen: string[] = [];
    const watch = health.Watch({ service: '' });
    watch.on('data', (r: wire.HealthCheckResponse__Output) => seen.push(r.status));
    watch.on('error', () => {});
    await waitFor(() => seen.length === 1, 2000, 'the first status');
    s.health.setServing('', false);
    await waitFor(() => seen.length === 2, 2000, 'the change');
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
    watch.cancel();
  });
});

describe('refusal details on the wire', () => {
  it('round-trip the registry details through the typed ErrorDetails', () => {
    const type = loadFleetProto().fleet.v1.Fleet.service.Write;
    const roundTrip = (details: Record<string, unknown>) => {
      const bytes = type.responseSerialize({ index: 7, error: { code: 'CAS_FAILED', message: 'm', details: detailsToWire(details) } });
      return detailsFromWire(type.responseDeserialize(bytes).error!.details);
    };
    expect(roundTrip({ cluster: 'c', expectedShard: null, actualShard: 's2', generation: 3 })).toEqual({ cluster: 'c', expectedShard: null, currentShard: 's2', generation: 3 });
    expect(roundTrip({ ns: '', key: 'k', current: null, modRevision: null })).toEqual({ ns: '', key: 'k', currentValue: null, currentRevision: null });
    expect(roundTrip({ shard: 's', state: 'draining', moveIndex: 0 })).toEqual({ shard: 's', state: 'draining', moveIndex: 0 });
    expect(roundTrip({ provider: 'p', quotaRegions: ['a', 'b'], surprise: { x: 1 } })).toEqual({ provider: 'p', quotaRegions: ['a', 'b'], other: { surprise: '{"x":1}' } });
  });
});
