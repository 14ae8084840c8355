/**
 * `serveApis`: what an assembled member serves to other programs on its port, as its caller asks
 * (`fleet node start`: everything, etcd unless `--no-etcd-api`; fleet/embed: the host's `apis`).
 * Each API's services are loaded only when asked for (a dynamic import of fleet-apis.ts,
 * admin-apis.ts, etcd-apis.ts): an embedded member given none loads nothing of fleet-api/,
 * admin/'s services or etcd-api/ (test/e2e/embed-loads.test.ts). What the members need of each
 * other is always served: fleet.v1's `Submit` and `Status` (member-calls.ts), and an API that is
 * off still answers, refusing each call with why (api-off.ts).
 */
import { loadFleetProto } from '../../../proto/index.js';
import { ETCD_API_OFF_MESSAGE, refusedEtcdServices, refusingService } from '../api-off.js';
import { memberCalls, membersOnlyFleet } from '../member-calls.js';
import type { AssembledMember } from './assembled-member.js';
import type { ServedApis } from './options.js';

/**
 * Registers the APIs asked for on `member` (before `start()`): fleet.v1's client service, health
 * and reflection; its Admin and Drills services; etcd's v3 API and JSON gateway. If a step fails,
 * the whole member is closed (as any failed start step) and the error rethrown.
 */
export async function serveApis(member: AssembledMember, apis: ServedApis): Promise<void> {
  await member.startStep(async () => {
    if (apis.fleet) {
      const { serveFleetApi } = await import('./fleet-apis.js');
      serveFleetApi(member);
    } else {
      serveMembersOnly(member, apis.offHint);
    }
    if (apis.admin) {
      const { serveAdminApi } = await import('./admin-apis.js');
      serveAdminApi(member);
    }
    if (apis.etcd) {
      const { serveEtcdApi } = await import('./etcd-apis.js');
      serveEtcdApi(member);
    } else {
      refuseEtcd(member, apis.offHint);
    }
  });
}

/** fleet.v1 for members of an embedding: `Submit` and `Status` only, every other call refused naming why. */
function serveMembersOnly(member: AssembledMember, hint: string | undefined): void {
  const service = loadFleetProto().fleet.v1.Fleet.service;
  member.pieces.server.addService(service, membersOnlyFleet(service, memberCalls(member.node, member.memberCallOptions()), hint));
}

/** etcd's services registered to refuse every call, naming `--no-etcd-api` or the caller's `hint`. */
function refuseEtcd(member: AssembledMember, hint: string | undefined): void {
  const message = hint === undefined ? ETCD_API_OFF_MESSAGE : `the etcd v3 API is not served by this member: ${hint}`;
  for (const def of Object.values(refusedEtcdServices())) member.pieces.server.addService(def, refusingService(def, message));
}
