/**
 * The recipes' Session, against a client whose calls the test answers: a renewal refused for a
 * lease the session released while that renewal was in flight (a leader change held it back, and
 * the release reached the new leader first) is the release's doing, not a lost lease. Seen in CI:
 * a Mutex contender unlocked across a kill of the leader, and its next lock failed with
 * SESSION_ENDED "lost: lease jobs-lock".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetClientError } from '../../src/client/errors.js';
import type { FleetClient } from '../../src/client/fleet-client.js';
import { Session } from '../../src/client/recipes/session.js';

interface Pending {
  readonly lease: string;
  readonly token: number;
  readonly reject: (err: Error) => void;
  readonly resolve: () => void;
}

/** A client whose renewals wait for the test; releases answer at once. */
function fakeClient(): { client: FleetClient; renewals: Pending[]; released: string[] } {
  const renewals: Pending[] = [];
  const released: string[] = [];
  const client = {
    closed: false,
    closeSignal: new AbortController().signal,
    renewLease: (lease: string, _holder: string, token: number) =>
      new Promise<void>((resolve, reject) => renewals.push({ lease, token, resolve, reject })),
    releaseLease: async (lease: string) => {
      released.push(lease);
    },
  };
  return { client: client as unknown as FleetClient, renewals, released };
}

/** A session holding jobs-lock (token 3) whose first renewal has been sent and awaits the test's answer. */
async function renewalInFlight(): Promise<{ session: Session; renewals: Pending[]; released: string[] }> {
  const { client, renewals, released } = fakeClient();
  const session = new Session(client, { ttlMs: 1_500 });
  session.keep('jobs-lock', 3);
  await vi.advanceTimersByTimeAsync(500);
  return { session, renewals, released };
}

const refused = (): FleetClientError => new FleetClientError('precondition', 'lease jobs-lock is not held by this holder');

describe('a session', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stays live when a renewal in flight is refused after the session released that lease', async () => {
    const { session, renewals, released } = await renewalInFlight();
    expect(renewals.map((r) => r.lease)).toEqual(['jobs-lock']);

    await session.release('jobs-lock');
    expect(released).toEqual(['jobs-lock']);
    renewals[0]!.reject(refused());
    await vi.advanceTimersByTimeAsync(0);

    expect(session.ended).toBeUndefined();
    expect(() => session.checkLive('locking jobs-lock')).not.toThrow();
    await session.close();
  });

  it('stays live when the lease was taken again (a new token) while the old renewal was in flight', async () => {
    const { session, renewals } = await renewalInFlight();
    await session.release('jobs-lock');
    session.keep('jobs-lock', 9);
    renewals[0]!.reject(refused());
    await vi.advanceTimersByTimeAsync(0);
    expect(session.ended).toBeUndefined();
    expect(session.tokenOf('jobs-lock')).toBe(9);
    await session.close();
  });

  it('ends, naming the lease, when a lease it still holds is refused', async () => {
    const { session, renewals } = await renewalInFlight();
    renewals[0]!.reject(refused());
    await vi.advanceTimersByTimeAsync(0);
    expect(session.ended).toMatchObject({ reason: 'lost', lease: 'jobs-lock' });
    expect(() => session.checkLive('locking jobs-lock')).toThrow(/has ended \(lost: lease jobs-lock\)/);
  });

  it('keeps the lease when a renewal fails for want of a leader (retried at the next tick)', async () => {
    const { session, renewals } = await renewalInFlight();
    renewals[0]!.reject(new FleetClientError('unavailable', 'no leader'));
    await vi.advanceTimersByTimeAsync(500);
    expect(session.ended).toBeUndefined();
    expect(renewals).toHaveLength(2);
    renewals[1]!.resolve();
    await session.close();
  });
});
