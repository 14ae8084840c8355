/**
 * A follower's `submitWrite` takes the member's one path to the leader (issue 56:
 * src/core/server/leader-path.ts, the path fleet.v1's and etcd's forwarded writes take), with its
 * half-open breaker and its one cool-down (BREAKER_OPEN_MS): once the leader could not be reached,
 * the next write fails LEADER_UNREACHABLE at once without trying, and after the cool-down one
 * write probes the leader again: shown on the path with its clock (`now`) in the test's hands,
 * through `forwardWrite`, which a follower's `submitWrite` calls; then that a follower in a
 * cluster of two embedded members does send its write there, with the host's token.
 */
import { connectivityState, credentials } from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BREAKER_OPEN_MS, LeaderPath } from '../../src/core/server/leader-path.js';
import { WriteForwarder } from '../../src/core/server/write-forwarder.js';
import { MemberError, startMember, type AppCommand, type EmbeddedMember, type StateMachine } from '../../src/embed/index.js';
import { forwardWrite } from '../../src/embed/forwarder.js';
import { loadFleetProto } from '../../src/proto/index.js';
import { freePort, tempDir, waitFor } from '../e2e/processes.js';

const dir = tempDir('fleet-embed-forwarding-');
afterAll(() => dir.cleanup());

class Counter implements StateMachine {
  total = 0;
  apply(command: AppCommand): number {
    this.total += Number(Buffer.from(command.payload).toString());
    return this.total;
  }
  snapshot(): Uint8Array {
    return Buffer.from(String(this.total));
  }
  restore(image: Uint8Array): void {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

async function failure(p: Promise<unknown>): Promise<MemberError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MemberError) return err;
    throw err;
  }
  throw new Error('expected a MemberError');
}

/** A loopback port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe("a follower's write on the member's path to the leader", () => {
  it('fails LEADER_UNREACHABLE after trying, then at once while the breaker is open; after the cool-down one probe goes through to the leader', async () => {
    let now = 1_000_000;
    const path = new LeaderPath({ credentials: credentials.createInsecure(), now: () => now });
    const via = { memberId: 'b', token: undefined, forwarder: new WriteForwarder({ memberId: 'b', path }) };
    const port = await deadPort();
    const hint = { leaderId: 'a', leaderAddress: `127.0.0.1:${port}` };
    let leader: EmbeddedMember | undefined;
    try {
      const first = await failure(forwardWrite(via, 'add', Buffer.from('1'), hint));
      expect({ code: first.code, retryable: first.retryable, leaderId: first.leaderId, leaderAddress: first.leaderAddress }).toEqual({ code: 'LEADER_UNREACHABLE', retryable: true, leaderId: 'a', leaderAddress: hint.leaderAddress });
      expect(first.message).toMatch(/^member b: the leader a at 127\.0\.0\.1:\d+ could not be reached; the write was not sent$/);

      // The breaker is open: nothing is sent, whatever listens there now.
      leader = await startMember({ id: 'a', dataDir: join(dir.path, 'probe-a'), listen: hint.leaderAddress, stateMachine: new Counter() });
      await leader.ready();
      const held = await failure(forwardWrite(via, 'add', Buffer.from('1'), hint));
      expect(held.code).toBe('LEADER_UNREACHABLE');
      expect(held.message).toMatch(/could not be reached just now; the write was not sent$/);
      now += BREAKER_OPEN_MS - 1;
      expect((await failure(forwardWrite(via, 'add', Buffer.from('1'), hint))).message).toMatch(/just now/);

      // The cool-down is over (on the path's clock; grpc-js's own back-off from the refused connection is waited out).
      const channel = path.client('calls', 'fleet', loadFleetProto().fleet.v1.Fleet, hint).getChannel();
      await waitFor('the channel to the leader to leave its back-off', () => (channel.getConnectivityState(false) === connectivityState.TRANSIENT_FAILURE ? undefined : true));
      now += 1;
      const probe = forwardWrite(via, 'add', Buffer.from('4'), hint);
      const meanwhile = await failure(forwardWrite(via, 'add', Buffer.from('1'), hint));
      expect(meanwhile.message).toMatch(/just now/);
      expect(await probe).toMatchObject({ value: 4 });
      expect(await forwardWrite(via, 'add', Buffer.from('5'), hint)).toMatchObject({ value: 9 });
    } finally {
      path.close();
      await leader?.stop();
    }
  });
});

describe("a follower's submitWrite", () => {
  it("is sent on the member's one path to the leader: fleet.v1 Submit through its LeaderPath and breaker, with the host's token, following a leader that moved", async () => {
    const peers = { a: `127.0.0.1:${await freePort()}`, b: `127.0.0.1:${await freePort()}` };
    const tokens = { client: 'client-token' };
    // a elects itself at once; b, which would not campaign within the test, stays a follower.
    const a = await startMember({ id: 'a', dataDir: join(dir.path, 'a'), listen: peers.a, peers, tokens, stateMachine: new Counter(), heartbeatMs: 20, electionTimeoutMs: 100 });
    const b = await startMember({ id: 'b', dataDir: join(dir.path, 'b'), listen: peers.b, peers, tokens, stateMachine: new Counter(), heartbeatMs: 20, electionTimeoutMs: 60_000 });
    const allow = vi.spyOn(LeaderPath.prototype, 'allow');
    const unary = vi.spyOn(LeaderPath.prototype, 'unary');
    try {
      await b.ready({ timeoutMs: 15_000 });
      expect(b.status().leaderId).toBe('a');
      expect(await b.submitWrite('add', '2')).toMatchObject({ value: 2 });
      expect(allow).toHaveBeenCalledWith(peers.a);
      expect(unary).toHaveBeenCalledTimes(1);
      const [service, , method, leader, request, metadata] = unary.mock.calls[0]!;
      expect({ service, method, leader: { ...leader }, op: (request as { op: string }).op }).toEqual({ service: 'fleet', method: 'Submit', leader: expect.objectContaining({ leaderId: 'a', leaderAddress: peers.a }), op: 'add' });
      expect(metadata.get('authorization')).toEqual(['Bearer client-token']);
      expect((await a.read((c) => c.total)).value).toBe(2);

      // While the path's breaker holds the leader back, the write is refused at once and not sent.
      allow.mockReturnValueOnce(false);
      const held = await failure(b.submitWrite('add', '1'));
      expect({ code: held.code, leaderId: held.leaderId, leaderAddress: held.leaderAddress }).toEqual({ code: 'LEADER_UNREACHABLE', leaderId: 'a', leaderAddress: peers.a });
      expect(held.message).toMatch(/could not be reached just now; the write was not sent$/);
      expect(unary).toHaveBeenCalledTimes(1);

      // A member named as the leader that no longer is names the leader: the write follows it.
      const path = new LeaderPath({ credentials: credentials.createInsecure() });
      try {
        const via = { memberId: 'c', token: tokens.client, forwarder: new WriteForwarder({ memberId: 'c', path }) };
        expect(await forwardWrite(via, 'add', Buffer.from('3'), { leaderId: 'b', leaderAddress: peers.b })).toMatchObject({ value: 5 });
        expect(unary.mock.calls.slice(1).map((c) => c[3].leaderAddress)).toEqual([peers.b, peers.a]);
      } finally {
        path.close();
      }
    } finally {
      allow.mockRestore();
      unary.mockRestore();
      await b.stop();
      await a.stop();
    }
  }, 30_000);
});
