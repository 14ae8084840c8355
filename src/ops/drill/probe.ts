/**
 * The ClusterProbe over FleetClient: one single-endpoint client per member, so that asking
 * some members never waits on another (a paused member answers nothing until its deadline).
 */
import type { EndpointStatus, FleetClient } from '../../client/index.js';
import type { ClusterProbe } from './steady-state.js';

/** Makes a client of exactly one endpoint, with a short deadline. */
export type SingleEndpointClient = (address: string) => FleetClient;

/**
 * A probe of `endpoints` (and any address asked later: a member's address as the membership
 * records it). Invariant: each address has one client, closed by `close()`.
 */
export function fleetClusterProbe(endpoints: readonly string[], connect: SingleEndpointClient): ClusterProbe {
  const clients = new Map<string, FleetClient>();
  const clientOf = (address: string): FleetClient => {
    let c = clients.get(address);
    if (c === undefined) {
      c = connect(address);
      clients.set(address, c);
    }
    return c;
  };
  return {
    async statusAll(addresses?: readonly string[]): Promise<EndpointStatus[]> {
      const asked = addresses ?? endpoints;
      const answers = await Promise.all(asked.map((a) => clientOf(a).statusAll()));
      return answers.map((a) => a[0]!);
    },
    close(): void {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
