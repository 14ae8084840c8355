/**
 * Every call of fleet.v1's Fleet and Admin services passes `authorizeCall` first. The planted bug
 * is an `authorizeCall` that lets the call through without judging it (as a handler that forgot
 * to call it would): the services' handlers then fail the check when they return.
 */
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import type { NodeApi } from '../../../src/core/node/member-api.js';
import { createAdminService } from '../../../src/core/server/admin/admin-service.js';
import { createClientService } from '../../../src/core/server/fleet-api/client-service.js';
import { expectInvariant } from './expect-invariant.js';

const planted = vi.hoisted(() => ({ skipJudging: false }));

vi.mock('../../../src/core/server/guard/auth.js', async (importActual) => {
  const actual = await importActual<typeof import('../../../src/core/server/guard/auth.js')>();
  return { ...actual, authorizeCall: (call: Parameters<typeof actual.authorizeCall>[0], opts: Parameters<typeof actual.authorizeCall>[1]) => (planted.skipJudging ? undefined : actual.authorizeCall(call, opts)) };
});

/** A unary call to `path` and its callback. */
function unaryCall(path: string) {
  return { call: { metadata: new Metadata(), getPath: () => path, request: {}, getPeer: () => '127.0.0.1:1' }, callback: () => undefined };
}

const node = { id: 'n1' } as unknown as NodeApi;

describe('fleet.v1 handlers', () => {
  it('pass when the call was judged', () => {
    planted.skipJudging = false;
    const fleet = createClientService(node);
    const admin = createAdminService(node);
    const read = unaryCall('/fleet.v1.Fleet/Read');
    expect(() => (fleet.Read as (c: unknown, cb: unknown) => void)(read.call, read.callback)).not.toThrow();
    const list = unaryCall('/fleet.v1.Admin/ListMembers');
    expect(() => (admin.ListMembers as (c: unknown, cb: unknown) => void)(list.call, list.callback)).not.toThrow();
  });

  it('fail the check when a Fleet call was not judged', () => {
    planted.skipJudging = true;
    const fleet = createClientService(node);
    const read = unaryCall('/fleet.v1.Fleet/Read');
    const err = expectInvariant(() => (fleet.Read as (c: unknown, cb: unknown) => void)(read.call, read.callback), 'rpc-authorized-first');
    expect(err.message).toContain('Fleet.Read');
  });

  it('fail the check when an Admin call was not judged', () => {
    planted.skipJudging = true;
    const admin = createAdminService(node);
    const list = unaryCall('/fleet.v1.Admin/ListMembers');
    const err = expectInvariant(() => (admin.ListMembers as (c: unknown, cb: unknown) => void)(list.call, list.callback), 'rpc-authorized-first');
    expect(err.message).toContain('Admin.ListMembers');
  });
});
