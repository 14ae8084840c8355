/**
 * `fleet/embed`: a coordinator member inside the host's own process: the same member as
 * `fleet node start` (Raft, storage, the peers' port, metrics if asked), started and stopped by
 * the host, serving other programs only the APIs the host asks for (`apis`). The host stays in
 * charge: nothing here exits the process, installs a signal handler or writes to its stderr; a
 * failure is a `fatal` event and every refusal a MemberError with a `code`. `ready()` says when
 * writes and linearizable reads can be served.
 *
 * An application replicates its own state by passing a `stateMachine` (apply / snapshot /
 * restore): `submitWrite` on any member applies a command on every member, in one log with the
 * registry, and `read` queries it (typed as the machine given) at the consistency asked for
 * (docs/embedding.md).
 */
export { startMember } from './member.js';
export type { EmbeddedMember, EmbeddedMemberStatus, MemberEvent, MemberEvents, ReadOption } from './member.js';
export type { MemberApi, MemberOptions } from './options.js';
export type { MemberState, ReadyInfo, ReadyOptions } from './lifecycle.js';
export { MemberError, MEMBER_ERROR_CODES, type MemberErrorCode, type MemberErrorInit } from './errors.js';
export type { AppCommand, AppFault, AppliedAt, StateMachine } from '../core/node/state/app-machine.js';
export type { BackupStatus, FollowerProgress, MemberInfo, MemberStatus, PeerRefusal, RepairStatus, StorageState } from '../core/node/api.js';
// What status() reports, spelled out so that a host can name each part.
export type { AutopilotReport } from '../core/node/autopilot/runner.js';
export type { AutopilotSettings } from '../core/node/autopilot/settings.js';
export type { MemberHealth, MemberObservation } from '../core/node/autopilot/health.js';
