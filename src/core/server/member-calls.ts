/**
 * The two fleet.v1 calls the members of a cluster make of each other whatever APIs they serve to
 * clients: `Submit`, on which a follower forwards an application's write to the leader, and
 * `Status`, by which a member's client finds the leader. fleet.v1's client service
 * (fleet-api/client-service.ts) serves these handlers; a member that serves no fleet.v1 API to
 * clients (fleet/embed without `apis: ['fleet']`) serves them alone and refuses every other call,
 * without loading fleet-api/.
 */
import { status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { MEMBER_ROLES, PROGRESS_STATES } from '../../proto/index.js';
import type * as wire from '../../proto/index.js';
import type { BackupStatus, MemberStatus, PeerRefusal } from '../node/api.js';
import type { AutopilotReport } from '../node/autopilot/runner.js';
import type { NodeApi } from '../node/member-api.js';
import { refusingService } from './api-off.js';
import { authorizeCall, type AuthOptions } from './guard/auth.js';
import { errorStatus } from './wire.js';

/** What `Status` adds to the node's own figures from outside it. */
export interface MemberCallOptions extends AuthOptions {
  /** The peer streams this member refused (peer-trouble.ts). */
  readonly peerRefusals?: (() => readonly PeerRefusal[]) | undefined;
  /** The member's scheduled backups, when it takes them (backup-schedule.ts). */
  readonly backup?: (() => BackupStatus | undefined) | undefined;
}

/** fleet.v1's `Status` and `Submit` over `node`; each call passes `authorizeCall` first. */
export function memberCalls(node: Pick<NodeApi, 'status' | 'submit'>, opts: MemberCallOptions): Pick<wire.FleetHandlers, 'Status' | 'Submit'> {
  return {
    Status(call, callback) {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      try {
        const refusals = opts.peerRefusals?.();
        const backup = opts.backup?.();
        callback(null, memberStatusToWire({ ...node.status(), ...(refusals === undefined ? {} : { peerRefusals: refusals }), ...(backup === undefined ? {} : { backup }) }));
      } catch (err) {
        callback(errorStatus(err));
      }
    },
    Submit(call, callback) {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      node.submit(call.request.op, call.request.payload).then(
        ({ value, index }) => {
          let resultJson: string;
          try {
            resultJson = JSON.stringify(value ?? null);
          } catch (err) {
            return callback({ code: status.INTERNAL, details: `the command applied at index ${index}, but its answer is not JSON: ${(err as Error).message}` });
          }
          callback(null, { index, resultJson });
        },
        (err: unknown) => callback(errorStatus(err)),
      );
    },
  };
}

/** fleet.v1.Fleet reduced to the members' calls: every other call is refused naming why (`hint`). */
export function membersOnlyFleet(service: ServiceDefinition, calls: Pick<wire.FleetHandlers, 'Status' | 'Submit'>, hint = 'it was not asked for'): UntypedServiceImplementation {
  return { ...refusingService(service, `the fleet.v1 API is not served by this member: ${hint}`), ...calls };
}

/** A member's status on the wire. */
export function memberStatusToWire(s: MemberStatus): wire.MemberStatus {
  const { autopilot, ...rest } = s;
  return {
    ...rest,
    role: MEMBER_ROLES.toWire(s.role),
    members: s.members.map((m) => ({ ...m })),
    progress: s.progress.map((p) => ({ ...p, state: PROGRESS_STATES.toWire(p.state) })),
    peerRefusals: (s.peerRefusals ?? []).map((r) => ({ ...r })),
    ...(autopilot === undefined ? {} : { autopilot: autopilotToWire(autopilot) }),
  };
}

/** Autopilot's assessment on the wire. */
function autopilotToWire(r: AutopilotReport): wire.AutopilotState {
  return {
    settings: { ...r.settings },
    settingsProblem: r.settingsProblem ?? '',
    members: r.health.map((h) => ({ id: h.id, voter: h.voter, lastContactMs: h.lastContactMs, trailingEntries: h.trailingEntries, trailingMs: h.trailingMs, healthy: h.healthy, stable: h.stable, dead: h.dead })),
    held: [...r.held],
    lastAction: r.lastAction ?? '',
  };
}
