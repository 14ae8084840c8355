/**
 * fleet.v1's operator services on an assembled member: Admin (membership, snapshots, the audit)
 * and Drills (whose faults act only on a member started with drills enabled). Loaded by
 * serve-apis.ts only when they are asked for.
 */
import { loadFleetProto } from '../../../proto/index.js';
import { createAdminService } from '../admin/admin-service.js';
import { createDrillService } from '../admin/drill-service.js';
import { memberAudit } from '../admin/member-audit.js';
import type { AssembledMember } from './assembled-member.js';

/** Registers the Admin and Drills services on the member. */
export function serveAdminApi(member: AssembledMember): void {
  const { opts, server, auth, transport, forwarder, logger, faults } = member.pieces;
  const node = member.node;
  const proto = loadFleetProto();
  // Admin effects that land on a follower (a snapshot, a drill's fault) reach the leader's audit log through the forwarder.
  const audit = memberAudit(node, forwarder);
  const drills = createDrillService({
    ...auth,
    enabled: opts.enableDrills,
    memberId: opts.id,
    transport,
    peers: () => node.status().members.map((m) => m.id).filter((id) => id !== opts.id),
    logger,
    recordAudit: audit,
    ...(faults.clock ? { clock: faults.clock } : {}),
    ...(faults.disk ? { disk: faults.disk } : {}),
  });
  server.addService(proto.fleet.v1.Admin.service, createAdminService(node, { ...auth, audit }));
  server.addService(proto.fleet.v1.Drills.service, drills.handlers);
  member.add({ close: () => drills.close() });
}
