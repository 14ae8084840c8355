import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_ROLES, commandRole, grants } from '../../../../src/common/roles.js';
import { CLIENT_COMMAND_TYPES } from '../../../../src/common/registry/registry-operations.js';
import { authorize, callerOf, type AuthOptions } from '../../../../src/core/server/guard/auth.js';
import { RPC_ROLES, rpcRequirement } from '../../../../src/core/server/guard/rpc-roles.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import type * as wire from '../../../../src/proto/index.js';
import { FakeNode, startServer, type TestServer } from '../harness.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Every method path of every service in package fleet.v1, from the loaded service definitions. */
function fleetMethodPaths(): string[] {
  const pkg = loadFleetProto().fleet.v1 as unknown as Record<string, { service?: Record<string, { path: string }> }>;
  const paths: string[] = [];
  for (const name of Object.keys(pkg)) {
    const service = pkg[name]?.service;
    if (service === undefined) continue;
    for (const method of Object.values(service)) paths.push(method.path);
  }
  return paths.sort();
}

function bearer(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

const TOKENS: AuthOptions = { token: 'writer-secret', adminToken: 'admin-secret', readTokens: [{ token: 'read-secret', name: 'dashboards' }], tokenName: 'ci' };

describe('the role table', () => {
  it('names every RPC of fleet.v1, and nothing else: a new RPC cannot be forgotten', () => {
    const paths = fleetMethodPaths();
    expect(paths).toContain('/fleet.v1.Drills/Drill');
    expect(paths.length).toBeGreaterThanOrEqual(19);
    expect(Object.keys(RPC_ROLES).sort()).toEqual(paths);
  });

  it('names every registry write a client may send', () => {
    expect(Object.keys(COMMAND_ROLES).sort()).toEqual([...CLIENT_COMMAND_TYPES].sort());
  });

  it('refuses a fleet.v1 method it does not name as if it needed admin; other services need no token', () => {
    expect(rpcRequirement('/fleet.v1.Fleet/SomethingNew')).toBe('admin');
    expect(rpcRequirement('/grpc.health.v1.Health/Check')).toBeUndefined();
    expect(rpcRequirement('/fleet.v1.Peer/Replicate')).toBe('peer');
  });

  it('puts bulk destructive writes and plan progress at admin', () => {
    expect(commandRole({ type: 'cluster.prune' })).toBe('admin');
    expect(commandRole({ type: 'plan.progress' })).toBe('admin');
    expect(commandRole({ type: 'shard.remove', force: true })).toBe('admin');
    expect(commandRole({ type: 'shard.remove', force: false })).toBe('writer');
    expect(commandRole({ type: 'kv.put' })).toBe('writer');
    expect(grants('admin', 'read') && grants('writer', 'writer') && !grants('writer', 'admin') && !grants('read', 'writer')).toBe(true);
  });
});

describe('tokens and roles', () => {
  it('binds each token to its role and name', () => {
    expect(callerOf(bearer('read-secret'), TOKENS)).toEqual({ role: 'read', tokenName: 'dashboards' });
    expect(callerOf(bearer('writer-secret'), TOKENS)).toEqual({ role: 'writer', tokenName: 'ci' });
    expect(callerOf(bearer('admin-secret'), TOKENS)).toEqual({ role: 'admin', tokenName: 'admin-token' });
    expect(callerOf(bearer('guess'), TOKENS)).toBeUndefined();
    expect(callerOf(bearer(), TOKENS)).toBeUndefined();
  });

  it('takes a bare `authorization: <token>` as etcd does (its gateway forwards Patroni\'s header so), and nothing from an empty one', () => {
    const bare = (value: string): grpc.Metadata => {
      const md = new grpc.Metadata();
      md.set('authorization', value);
      return md;
    };
    expect(callerOf(bare('writer-secret'), TOKENS)).toEqual({ role: 'writer', tokenName: 'ci' });
    expect(callerOf(bare(' read-secret '), TOKENS)).toEqual({ role: 'read', tokenName: 'dashboards' });
    expect(callerOf(bare('Bearer '), TOKENS)).toBeUndefined();
    expect(callerOf(bare(''), TOKENS)).toBeUndefined();
    expect(callerOf(bare('guess'), TOKENS)).toBeUndefined();
  });

  it('takes etcd\'s `token` metadata sent twice once (python3-etcd3 over TLS sends it so; HTTP/2 joins the two)', () => {
    const token = (value: string): grpc.Metadata => {
      const md = new grpc.Metadata();
      md.set('token', value);
      return md;
    };
    expect(callerOf(token('read-secret, read-secret'), TOKENS)).toEqual({ role: 'read', tokenName: 'dashboards' });
    expect(callerOf(token('read-secret'), TOKENS)).toEqual({ role: 'read', tokenName: 'dashboards' });
    expect(callerOf(token('read-secret, writer-secret'), TOKENS)).toBeUndefined();
    expect(callerOf(token(''), TOKENS)).toBeUndefined();
  });

  it('keeps the flags of before roles: one token opens everything; no token, everything; an admin token alone leaves clients writers', () => {
    expect(callerOf(bearer('only'), { token: 'only' })).toMatchObject({ role: 'admin' });
    expect(callerOf(bearer(), {})).toMatchObject({ role: 'admin', tokenName: 'anonymous' });
    expect(callerOf(bearer(), { adminToken: 'root' })).toMatchObject({ role: 'writer', tokenName: 'anonymous' });
  });

  it('refuses with UNAUTHENTICATED without a token, and PERMISSION_DENIED naming the role needed and held', () => {
    expect(authorize(bearer(), 'read', TOKENS)?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(authorize(bearer('guess'), 'read', TOKENS)?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(authorize(bearer('read-secret'), 'read', TOKENS)).toBeUndefined();
    const denied = authorize(bearer('read-secret'), 'writer', TOKENS, 'Fleet.Write');
    expect(denied?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied?.details).toBe('Fleet.Write needs the writer role; the token presented (dashboards) has the read role: use a token of that role (--token or FLEET_TOKEN)');
    expect(authorize(bearer('writer-secret'), 'admin', TOKENS, 'cluster.prune')?.details).toMatch(/^cluster\.prune needs the admin role; the token presented \(ci\) has the writer role: use the admin token/);
  });
});

// ---------------------------------------------------------------------------------------------
// The handlers (without the pre-decode interceptor, which asks the same table: test/e2e/roles.long.test.ts).
// ---------------------------------------------------------------------------------------------

async function serve(): Promise<{ s: TestServer; fleet: wire.FleetClient; admin: wire.AdminClient }> {
  const s = await startServer(new FakeNode({ id: 'n1' }), TOKENS);
  cleanups.push(() => s.stop());
  const proto = loadFleetProto();
  const fleet = new proto.fleet.v1.Fleet(s.address, grpc.credentials.createInsecure());
  const admin = new proto.fleet.v1.Admin(s.address, grpc.credentials.createInsecure(), { channelOverride: fleet.getChannel() });
  cleanups.push(() => fleet.close());
  return { s, fleet, admin };
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

function call<Req, Res>(fn: Unary<Req, Res>, req: Req, md: grpc.Metadata): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, md, (err, res) => (err ? reject(err as Error) : resolve(res!))));
}

async function refusal(p: Promise<unknown>): Promise<grpc.ServiceError> {
  return p.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (err: unknown) => err as grpc.ServiceError,
  );
}

/** One session stream: sends the requests, gathers every answer until the server ends the stream. */
function session(fleet: wire.FleetClient, md: grpc.Metadata, requests: wire.SessionRequest[]): Promise<wire.SessionResponse__Output[]> {
  return new Promise((resolve, reject) => {
    const stream = fleet.Session(md);
    const answers: wire.SessionResponse__Output[] = [];
    stream.on('data', (frame: wire.SessionResponses__Output) => answers.push(...frame.responses));
    stream.on('end', () => resolve(answers.sort((a, b) => Number(a.id) - Number(b.id))));
    stream.on('error', reject);
    stream.write({ requests });
    stream.end();
  });
}

describe('the handlers', () => {
  it('let a read token read, list members and open a session, and refuse its writes', async () => {
    const { s, fleet, admin } = await serve();
    const md = bearer('read-secret');
    expect(await call(fleet.Status.bind(fleet), {}, md)).toMatchObject({ id: 'n1' });
    expect(await call(fleet.Read.bind(fleet), { counts: {} }, md)).toMatchObject({ result: 'counts' });
    expect(await call(admin.ListMembers.bind(admin), {}, md)).toMatchObject({ leaderId: 'n1' });
    const write = await refusal(call(fleet.Write.bind(fleet), { clientId: 'c', seq: 1, kvPut: { key: 'k', value: 'v' } }, md));
    expect(write.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(write.details).toMatch(/^Fleet\.Write needs the writer role; the token presented \(dashboards\) has the read role/);
    const answers = await session(fleet, md, [
      { id: 1, read: { counts: {} } },
      { id: 2, write: { clientId: 'c', seq: 1, kvPut: { key: 'k', value: 'v' } } },
    ]);
    expect(answers[0]).toMatchObject({ id: 1, answer: 'read' });
    expect(answers[1]).toMatchObject({ id: 2, error: { code: grpc.status.PERMISSION_DENIED, message: expect.stringMatching(/^kv\.put needs the writer role/) } });
    expect(s.node.sm.kvGet('k')).toBeUndefined();
    expect((await refusal(call(admin.GetAudit.bind(admin), {}, md))).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('let a writer write, and refuse it prune, forced removal and plan progress, on Write and on a session', async () => {
    const { s, fleet } = await serve();
    const md = bearer('writer-secret');
    const write = (seq: number, command: Partial<wire.WriteRequest>) => call(fleet.Write.bind(fleet), { clientId: 'w', seq, ...command }, md);
    await write(1, { shardRegister: { id: 's1', address: '10.0.0.1:1', region: 'r', zone: 'z', capacity: 3 } });
    const prune = await refusal(write(2, { clusterPrune: { notSeenSinceMs: 1 } }));
    expect(prune.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(prune.details).toMatch(/^cluster\.prune needs the admin role; the token presented \(ci\) has the writer role: use the admin token/);
    expect((await refusal(write(3, { shardRemove: { id: 's1', force: true } }))).details).toMatch(/^shard\.remove with force needs the admin role/);
    expect((await refusal(write(4, { planProgress: { planId: 'evil', startedBy: 'alice@ops-1', done: 5, total: 10, state: 'PLAN_STATE_RUNNING' } }))).code).toBe(grpc.status.PERMISSION_DENIED);
    const answers = await session(fleet, md, [{ id: 1, write: { clientId: 'w2', seq: 1, clusterPrune: { notSeenSinceMs: 1 } } }]);
    expect(answers[0]).toMatchObject({ error: { code: grpc.status.PERMISSION_DENIED } });
    expect(s.node.sm.getShard('s1')).toBeDefined();
    expect(s.node.sm.plans()).toEqual([]);
    // The admin may.
    const root = bearer('admin-secret');
    expect(await call(fleet.Write.bind(fleet), { clientId: 'a', seq: 1, planProgress: { planId: 'p', startedBy: 'root', done: 1, total: 2, state: 'PLAN_STATE_RUNNING' } }, root)).toMatchObject({ result: 'planProgress' });
    expect(await call(fleet.Write.bind(fleet), { clientId: 'a', seq: 2, shardRemove: { id: 's1', force: true } }, root)).toMatchObject({ result: 'shardRemove' });
  });
});
