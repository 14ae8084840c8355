/**
 * fleet.v1 for clients on an assembled member: the Fleet service (reads, writes, sessions,
 * watches, with a follower's unary writes forwarded to the leader), the standard health service
 * and server reflection. Loaded by serve-apis.ts only when fleet.v1 is asked for.
 */
import { loadFleetProto, loadReflectionDefinition } from '../../../proto/index.js';
import { createClientService } from '../fleet-api/client-service.js';
import { HealthService } from '../fleet-api/health-service.js';
import { addLazyReflection } from '../fleet-api/lazy-reflection.js';
import type { AssembledMember } from './assembled-member.js';

/** Registers fleet.v1's client services on the member; health says SERVING once it has started. */
export function serveFleetApi(member: AssembledMember): void {
  const { server, bounds, limitRefusals, forwarder } = member.pieces;
  const clientService = createClientService(member.node, { ...member.memberCallOptions(), bounds, limitRefusals, forwarder });
  server.addService(loadFleetProto().fleet.v1.Fleet.service, clientService);
  const health = new HealthService([], { max: bounds.maxHealthWatches, maxPerAddress: bounds.maxHealthWatchesPerAddress, onRefused: limitRefusals.counter('health-watches') });
  health.addTo(server);
  // Reflection lets generic tools (grpcurl) discover the services without our .proto files.
  addLazyReflection(server, loadReflectionDefinition);
  member.add({ serving: (up) => health.setServing('', up), close: () => undefined });
}
