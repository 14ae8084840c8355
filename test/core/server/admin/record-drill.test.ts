/**
 * Admin.RecordDrill over a real grpc-js server on a fake node: admin token only, the entry the
 * audit log keeps (op, kind, args, outcome, actor), bad input refused, no token ever recorded,
 * and the client's retry at the leader when it first reaches a follower.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetClient } from '../../../../src/client/index.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import type * as wire from '../../../../src/proto/index.js';
import { FakeNode, startServer, type TestServer } from '../harness.js';

const ADMIN = 'root-secret-0123456789';
const USER = 'user-secret-9876543210';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(node: FakeNode): Promise<TestServer> {
  const s = await startServer(node, { token: USER, adminToken: ADMIN });
  cleanups.push(() => s.stop());
  return s;
}

/** RecordDrill with `token` (none when undefined) as the client `alice@box`; answers the ServiceError or null. */
async function recordDrill(address: string, req: wire.RecordDrillRequest, token?: string): Promise<grpc.ServiceError | null> {
  const admin = new (loadFleetProto().fleet.v1.Admin)(address, grpc.credentials.createInsecure());
  cleanups.push(() => admin.close());
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  md.set('fleet-actor', 'alice@box');
  return new Promise((resolve) => admin.RecordDrill(req, md, (err) => resolve(err)));
}

const START = { phase: 'start', kind: 'kill-leader', argsJson: JSON.stringify({ id: 'd1', rounds: 3 }) };

describe('Admin.RecordDrill', () => {
  it('needs the admin token, and records nothing without it', async () => {
    const node = new FakeNode({ id: 'n1' });
    const { address } = await serve(node);
    expect((await recordDrill(address, START))?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await recordDrill(address, START, USER))?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(node.sm.auditEntries()).toEqual([]);
  });

  it('records drill.start and drill.end with the kind, the arguments, the outcome and the actor', async () => {
    const node = new FakeNode({ id: 'n1' });
    const { address } = await serve(node);
    expect(await recordDrill(address, START, ADMIN)).toBeNull();
    const end = { phase: 'end', kind: 'kill-leader', argsJson: JSON.stringify({ id: 'd1', verdict: 'pass', lost: 0 }), outcome: 'pass: max unavailability 812 ms, 0 lost writes' };
    expect(await recordDrill(address, end, ADMIN)).toBeNull();
    const entries = node.sm.auditEntries().map((e) => ({ op: e.op, args: JSON.parse(e.args) as unknown, outcome: e.outcome, who: e.who, client: e.client }));
    expect(entries).toEqual([
      { op: 'drill.start', args: { id: 'd1', rounds: 3, kind: 'kill-leader' }, outcome: 'started', who: 'admin-token', client: 'alice@box' },
      { op: 'drill.end', args: { id: 'd1', verdict: 'pass', lost: 0, kind: 'kill-leader' }, outcome: end.outcome, who: 'admin-token', client: 'alice@box' },
    ]);
  });

  it('refuses bad input and any record that carries a token, as INVALID_ARGUMENT naming the field', async () => {
    const node = new FakeNode({ id: 'n1' });
    const { address } = await serve(node);
    const refused = async (req: wire.RecordDrillRequest): Promise<string> => {
      const err = await recordDrill(address, req, ADMIN);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      return err!.details;
    };
    expect(await refused({ ...START, phase: 'middle' })).toMatch(/^phase: /);
    expect(await refused({ ...START, kind: '' })).toMatch(/^kind: /);
    expect(await refused({ ...START, argsJson: '[1]' })).toMatch(/^args_json: must be a JSON object/);
    expect(await refused({ ...START, argsJson: '{' })).toMatch(/^args_json: not valid JSON/);
    expect(await refused({ ...START, phase: 'end' })).toMatch(/^outcome: required/);
    expect(await refused({ ...START, argsJson: JSON.stringify({ token: ADMIN }) })).toMatch(/^args_json: contains a token/);
    expect(await refused({ ...START, phase: 'end', outcome: `pass ${USER}` })).toMatch(/contains a token/);
    expect(node.sm.auditEntries()).toEqual([]);
  });

  it('reaches the leader through FleetClient when it first asks a follower', async () => {
    const leader = new FakeNode({ id: 'n2' });
    const l = await serve(leader);
    const follower = new FakeNode({ id: 'n1', leader: false, leaderHint: { id: 'n2', address: l.address } });
    const f = await serve(follower);
    const client = new FleetClient({ endpoints: [f.address], token: ADMIN, actor: 'bob@laptop', callTimeoutMs: 1_000, overallTimeoutMs: 5_000 });
    cleanups.push(() => client.close());
    await client.recordDrill({ phase: 'end', kind: 'partition', args: { id: 'd2' }, outcome: 'interrupted' });
    expect(follower.sm.auditEntries()).toEqual([]);
    expect(leader.sm.auditEntries()).toMatchObject([{ op: 'drill.end', who: 'admin-token', client: 'bob@laptop', outcome: 'interrupted' }]);
  });
});
