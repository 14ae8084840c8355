/**
 * A follower's `submitWrite`, forwarded to the leader over fleet.v1's `Submit` (which every
 * embedded member serves, whatever `apis` says), as a client would send it, with the client's
 * half-open circuit breaker (src/common/breaker.ts): once the leader could not be reached, writes
 * fail at once (LEADER_UNREACHABLE) for a second instead of each waiting out a timeout, then one
 * write probes it.
 */
import { FleetClient } from '../client/fleet-client.js';
import { CircuitBreaker } from '../common/breaker.js';
import type { FleetMember } from '../core/node/fleet-member.js';
import { MemberError } from './errors.js';
import { forwardFailure } from './failures.js';

/** How long a leader that could not be reached is not tried again: forwarded writes fail fast meanwhile. */
const BREAKER_OPEN_MS = 1_000;

export class Forwarder {
  private client: FleetClient | undefined;
  private clientFor = '';
  private breaker = new CircuitBreaker({ failures: 1, coolDownMs: BREAKER_OPEN_MS });
  private breakerFor = '';

  constructor(
    private readonly node: FleetMember,
    private readonly token: string | undefined,
  ) {}

  async submit(op: string, payload: Uint8Array, leader: { id: string; address: string }): Promise<{ value: unknown; index: number }> {
    if (this.breakerFor !== leader.address) [this.breaker, this.breakerFor] = [new CircuitBreaker({ failures: 1, coolDownMs: BREAKER_OPEN_MS }), leader.address];
    if (!this.breaker.allow(Date.now())) {
      throw new MemberError('LEADER_UNREACHABLE', `member ${this.node.id}: the leader ${leader.id} at ${leader.address} could not be reached just now; the write was not sent`, { leaderId: leader.id, leaderAddress: leader.address });
    }
    try {
      const answer = await this.clientOf(leader.address).submit(op, payload);
      this.breaker.success();
      return answer;
    } catch (err) {
      const failure = forwardFailure(err, this.node.id, leader);
      if (failure instanceof MemberError && failure.code === 'LEADER_UNREACHABLE') this.breaker.failure(Date.now());
      else this.breaker.success();
      throw failure;
    }
  }

  private clientOf(leaderAddress: string): FleetClient {
    // Every member the cluster has: the client follows the leader if it moves meanwhile.
    const members = this.node.status().members.map((m) => m.address).filter((a) => a !== '');
    const key = [leaderAddress, ...members].join(',');
    if (this.client === undefined || this.clientFor !== key) {
      this.client?.close();
      this.client = new FleetClient({ endpoints: [...new Set([leaderAddress, ...members])], overallTimeoutMs: 5_000, ...(this.token === undefined ? {} : { token: this.token }) });
      this.clientFor = key;
    }
    return this.client;
  }

  close(): void {
    this.client?.close();
  }
}
