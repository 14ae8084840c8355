/**
 * The admin service driven by its table (ADMIN_OPERATIONS, src/proto/admin-operations.ts), over a
 * real grpc-js server on a fake node: each call needs its row's role, an audited operation is
 * recorded under its row's op name with the row's arguments, a refusal as NOT_LEADER and a request
 * its check refuses are not recorded, and a `before` row is recorded before it runs.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { withAdminTable } from '../../../../scripts/admin-operations-markdown.js';
import { createAdminService } from '../../../../src/core/server/admin/admin-service.js';
import type { AuditRecorder } from '../../../../src/core/server/admin/member-audit.js';
import { RPC_ROLES } from '../../../../src/core/server/guard/rpc-roles.js';
import { ADMIN_OPERATIONS, ADMIN_OP_NAMES, adminPath, auditArgsOf, type AuditDeclaration } from '../../../../src/proto/admin-operations.js';
import { FleetClient } from '../../../../src/client/index.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import type * as wire from '../../../../src/proto/index.js';
import { FakeNode, startServer } from '../harness.js';

const ADMIN = 'root-secret-0123456789';
const READ = 'read-secret-9876543210';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Recorded {
  readonly op: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly outcome: string;
  readonly token: string;
}

/** Serves the admin service over `node`, recording what it sends to the audit log; answers a stub and the records. */
async function serve(node: FakeNode): Promise<{ admin: grpc.Client & Record<string, (...args: unknown[]) => unknown>; records: Recorded[] }> {
  const records: Recorded[] = [];
  const audit: AuditRecorder = async (by, op, args, outcome) => void records.push({ op, args, outcome, token: by.token });
  const server = new grpc.Server();
  server.addService(loadFleetProto().fleet.v1.Admin.service, createAdminService(node, { adminToken: ADMIN, readTokens: [{ token: READ, name: 'dashboards' }], token: 'writer-secret-000000', audit }));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  node.address = `127.0.0.1:${port}`;
  const admin = new (loadFleetProto().fleet.v1.Admin)(node.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  cleanups.push(() => {
    admin.close();
    server.forceShutdown();
    node.dispose();
  });
  return { admin, records };
}

/** One unary call with `token`: the error (null when it succeeded). */
function call(admin: Record<string, (...args: unknown[]) => unknown>, name: string, req: object, token: string): Promise<grpc.ServiceError | null> {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => admin[name]!(req, md, (err: grpc.ServiceError | null) => resolve(err)));
}

describe('the Admin operations table', () => {
  it('gives RPC_ROLES every Admin row, with its role', () => {
    for (const name of ADMIN_OP_NAMES) expect((RPC_ROLES as Record<string, string>)[adminPath(name)]).toBe(ADMIN_OPERATIONS[name].role);
    const served = Object.values(loadFleetProto().fleet.v1.Admin.service).map((m) => m.path);
    expect(ADMIN_OP_NAMES.map(adminPath).sort()).toEqual(served.sort());
  });

  it("is what docs/security.md lists (npm run docs:admin rewrites it)", () => {
    const doc = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
    expect(withAdminTable(doc) === doc, 'docs/security.md is stale: run npm run docs:admin').toBe(true);
  });

  const argsOf = (audit: unknown, req: Record<string, unknown>, member: string) => auditArgsOf(audit as AuditDeclaration<Record<string, unknown>>, req, member);

  it('records the request fields a row names, the set ones of proto3 optionals only, after the member when asked', () => {
    expect(argsOf(ADMIN_OPERATIONS.SetAutopilot.audit, { minQuorum: 3, _minQuorum: 'minQuorum', preferredRegion: '', _preferredRegion: 'preferredRegion' }, 'n1')).toEqual({ minQuorum: 3, preferredRegion: '' });
    expect(argsOf(ADMIN_OPERATIONS.TransferLeader.audit, {}, 'n1')).toEqual({});
    expect(argsOf(ADMIN_OPERATIONS.DownloadSnapshot.audit, { fresh: false }, 'n2')).toEqual({ member: 'n2', fresh: false });
  });
});

describe('the table-driven admin service', () => {
  it("refuses a token below the row's role, and records nothing", async () => {
    const { admin, records } = await serve(new FakeNode({ id: 'n1' }));
    expect(await call(admin, 'ListMembers', {}, READ)).toBeNull();
    const refused = await call(admin, 'PromoteMember', { id: 'n2' }, READ);
    expect(refused?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(refused?.details).toMatch(/Admin\.PromoteMember needs the admin role/);
    expect(records).toEqual([]);
  });

  it("records each audited operation under its row's op name and arguments, with the caller's token", async () => {
    const { admin, records } = await serve(new FakeNode({ id: 'n1' }));
    expect(await call(admin, 'AddMember', { id: 'n4', address: '127.0.0.1:1', learner: true }, ADMIN)).toBeNull();
    expect(await call(admin, 'PromoteMember', { id: 'n4' }, ADMIN)).toBeNull();
    expect(await call(admin, 'RemoveMember', { id: 'n4' }, ADMIN)).toBeNull();
    expect(await call(admin, 'SetAutopilot', { minQuorum: 3 }, ADMIN)).toBeNull();
    expect(await call(admin, 'TakeSnapshot', {}, ADMIN)).toBeNull();
    expect(await call(admin, 'GetAudit', {}, ADMIN)).toBeNull();
    expect(records).toEqual([
      { op: ADMIN_OPERATIONS.AddMember.audit.op, args: { id: 'n4', address: '127.0.0.1:1', learner: true }, outcome: 'ok', token: 'admin-token' },
      { op: 'members.promote', args: { id: 'n4' }, outcome: 'ok', token: 'admin-token' },
      { op: 'members.remove', args: { id: 'n4' }, outcome: 'ok', token: 'admin-token' },
      { op: 'autopilot.set', args: { minQuorum: 3 }, outcome: 'ok', token: 'admin-token' },
      { op: 'snapshot.take', args: { member: 'n1' }, outcome: 'ok', token: 'admin-token' },
    ]);
  });

  it('records a failure with its code, but not a refusal as NOT_LEADER nor a request its check refuses', async () => {
    const follower = new FakeNode({ id: 'n1', leader: false, leaderHint: { id: 'n2', address: '127.0.0.1:1' } });
    const { admin, records } = await serve(follower);
    expect((await call(admin, 'AddMember', { id: 'n4', address: '127.0.0.1:1', learner: true }, ADMIN))?.code).toBe(grpc.status.UNAVAILABLE);
    expect((await call(admin, 'AddMember', { id: '../x', address: '127.0.0.1:1', learner: true }, ADMIN))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call(admin, 'PromoteMember', { id: '' }, ADMIN))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(records).toEqual([{ op: 'members.promote', args: { id: '' }, outcome: expect.stringMatching(/^ERROR: id: a member id is required/) as unknown, token: 'admin-token' }]);
  });

  it('records a leader transfer as requested before it starts, and not from a follower', async () => {
    const { admin, records } = await serve(new FakeNode({ id: 'n1' }));
    expect(await call(admin, 'TransferLeader', { to: 'n3' }, ADMIN)).toBeNull();
    expect(records).toEqual([{ op: 'leader.transfer', args: { to: 'n3' }, outcome: 'requested', token: 'admin-token' }]);
    const other = await serve(new FakeNode({ id: 'n2', leader: false }));
    expect((await call(other.admin, 'TransferLeader', {}, ADMIN))?.code).toBe(grpc.status.UNAVAILABLE);
    expect(other.records).toEqual([]);
  });
});

describe('client.admin: the typed call of a table operation', () => {
  /** A member serving the client and admin APIs (the client finds the leader by Status). */
  async function member(node: FakeNode): Promise<string> {
    const s = await startServer(node, { adminToken: ADMIN, token: 'writer-secret-000000' });
    cleanups.push(() => s.stop());
    return s.address;
  }

  it("goes where the row's route says, or to the member named, and answers the RPC's response type", async () => {
    const leader = new FakeNode({ id: 'n2' });
    const leaderAddress = await member(leader);
    const followerAddress = await member(new FakeNode({ id: 'n1', leader: false, leaderHint: { id: 'n2', address: leaderAddress } }));
    const client = new FleetClient({ endpoints: [followerAddress, leaderAddress], token: ADMIN, callTimeoutMs: 1_000, overallTimeoutMs: 5_000 });
    cleanups.push(() => client.close());
    const members: wire.MembersResponse__Output = await client.admin.call('ListMembers', {});
    expect(members.members.map((m) => m.id)).toEqual(['n2']);
    expect((await client.admin.call('ListMembers', {}, { endpoint: followerAddress })).members.map((m) => m.id)).toEqual(['n1']);
    expect(await client.admin.call('TakeSnapshot', {})).toMatchObject({ term: 1 });
    expect(leader.sm.auditEntries().map((e) => e.op)).toEqual(['snapshot.take']);
  });

  it('follows a server stream to its end', async () => {
    const address = await member(new FakeNode({ id: 'n1' }));
    const client = new FleetClient({ endpoints: [address], token: ADMIN, callTimeoutMs: 1_000, overallTimeoutMs: 5_000 });
    cleanups.push(() => client.close());
    const chunks: wire.SnapshotData__Output[] = [];
    for await (const chunk of client.admin.stream('DownloadSnapshot', { fresh: true })) chunks.push(chunk);
    expect(chunks[0]?.term).toBe(1);
    expect(chunks.reduce((n, c) => n + c.data.length, 0)).toBe(chunks[0]?.totalBytes);
  });
});
