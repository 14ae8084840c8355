/**
 * fleet.v1.Admin's operations, each declared once: the RPC (its request and answer are the
 * generated types of proto/fleet/v1/admin.proto), the role it needs, where a client sends it,
 * whether it answers once or streams, and how the audit log records it. Everything else derives
 * from this table:
 *
 * - the member's role check (RPC_ROLES in src/core/server/guard/rpc-roles.ts takes its Admin rows
 *   from here; a test fails when a method of the service has no row);
 * - the admin service (src/core/server/admin/admin-service.ts): its handlers hold only what each
 *   operation does; the role check, the audit record and the error mapping come from the row;
 * - the client's typed call (`client.admin.call('ListMembers', {})`, src/client/admin-calls.ts),
 *   sent where `route` says, with the request and answer types of the RPC;
 * - docs/security.md's table of the Admin RPCs (scripts/admin-operations-doc.ts writes it).
 *
 * Adding an operation: the RPC in admin.proto (`npm run proto:gen`), its row here, its handler in
 * admin-service.ts, the command, a test (docs/architecture.md, "Adding an admin operation").
 */
import type { MethodDefinition } from '@grpc/proto-loader';
import type { Role } from '../common/roles.js';
import type { AdminDefinition } from './generated/fleet/v1/Admin.js';

/** The service's methods by name, without the index signature grpc's ServiceDefinition adds. */
export type AdminMethods = { [K in keyof AdminDefinition as string extends K ? never : K]: AdminDefinition[K] };

/** The name of an Admin RPC (`ListMembers`). */
export type AdminOp = keyof AdminMethods & string;

/** What a client sends to `M` (the generated request type). */
export type AdminRequest<M extends AdminOp> = AdminMethods[M] extends MethodDefinition<infer Req, infer _Res, infer _ReqIn, infer _ResIn> ? Req : never;

/** What a client receives from `M` (one message, or each message of a stream). */
export type AdminAnswer<M extends AdminOp> = AdminMethods[M] extends MethodDefinition<infer _Req, infer _ResOut, infer _ReqIn, infer Res> ? Res : never;

/** What the member receives for `M` (the decoded request, defaults filled in). */
export type AdminRequestIn<M extends AdminOp> = AdminMethods[M] extends MethodDefinition<infer _Req, infer _Res, infer Req, infer _ResIn> ? Req : never;

/** What the member sends for `M` (one message, or each message of a stream). */
export type AdminAnswerOut<M extends AdminOp> = AdminMethods[M] extends MethodDefinition<infer _Req, infer Res, infer _ReqIn, infer _ResIn> ? Res : never;

/**
 * How a change outside the registry is recorded in the audit log: the operation's name and its
 * arguments, the request's fields in `args` (each one the request sets: a proto3 `optional` field
 * only when present), with `member` first the id of the member the call reached (an effect that
 * lands on one member). `after` (the default): once it is done, with its outcome; a refusal as
 * NOT_LEADER is not recorded (nothing changed; the client retries at the leader). `before`: as
 * `requested` before it starts, when this member leads, and again with the failure if it fails
 * while this member still leads (a leader transfer: afterwards this member no longer leads and
 * could not record it).
 */
export interface AuditDeclaration<Req> {
  /** The entry's operation (`members.add`). */
  readonly op: string;
  /** The request's fields the entry keeps, in this order. */
  readonly args?: readonly (keyof Req & string)[];
  /** The member the call reached comes first, as `member`. */
  readonly member?: true;
  /** When it is recorded (default `after`). */
  readonly when?: 'after' | 'before';
}

/** One row of the table. */
export interface AdminOperation<M extends AdminOp> {
  /** The role a token needs (docs/security.md). */
  readonly role: Role;
  /** Where a client sends it when the caller names no member: the leader, or any member (the first endpoint first). */
  readonly route: 'leader' | 'any';
  /** One answer, or a server stream of them. */
  readonly answer: 'unary' | 'stream';
  /** How the audit log records it; `none` for what changes nothing, `itself` for a call that is an audit record. */
  readonly audit: 'none' | 'itself' | AuditDeclaration<AdminRequestIn<M>>;
  /** Said in docs/security.md beside the role, when the role needs a reason. */
  readonly note?: string;
}

/** Any row, read without knowing its operation (docs, generic readers). */
export interface AdminRow {
  readonly role: Role;
  readonly route: 'leader' | 'any';
  readonly answer: 'unary' | 'stream';
  readonly audit: 'none' | 'itself' | AuditDeclaration<Readonly<Record<string, unknown>>>;
  readonly note?: string;
}

/** The table's type: one row per method of the service, no more and no fewer. */
export type AdminOperations = { readonly [M in AdminOp]: AdminOperation<M> };

/** Every operation of fleet.v1.Admin. */
export const ADMIN_OPERATIONS = {
  ListMembers: { role: 'read', route: 'leader', answer: 'unary', audit: 'none' },
  // Any member: a watch outlives a leader, and shows the time without one.
  WatchMembers: { role: 'read', route: 'any', answer: 'stream', audit: 'none' },
  GetAutopilot: { role: 'read', route: 'leader', answer: 'unary', audit: 'none' },
  GetAudit: { role: 'admin', route: 'leader', answer: 'unary', audit: 'none' },
  TransferLeader: { role: 'admin', route: 'leader', answer: 'unary', audit: { op: 'leader.transfer', args: ['to'], when: 'before' } },
  // Taken on the member it reached, follower or leader: the entry says which.
  TakeSnapshot: { role: 'admin', route: 'leader', answer: 'unary', audit: { op: 'snapshot.take', member: true } },
  DownloadSnapshot: { role: 'admin', route: 'leader', answer: 'stream', audit: { op: 'snapshot.download', member: true, args: ['fresh'] }, note: 'a snapshot holds every KV value' },
  AddMember: { role: 'admin', route: 'leader', answer: 'unary', audit: { op: 'members.add', args: ['id', 'address', 'learner'] } },
  PromoteMember: { role: 'admin', route: 'leader', answer: 'unary', audit: { op: 'members.promote', args: ['id'] } },
  RemoveMember: { role: 'admin', route: 'leader', answer: 'unary', audit: { op: 'members.remove', args: ['id'] } },
  SetAutopilot: {
    role: 'admin',
    route: 'leader',
    answer: 'unary',
    audit: { op: 'autopilot.set', args: ['autoPromoteLearners', 'cleanupDeadMembers', 'deadAfterMs', 'lastContactThresholdMs', 'maxTrailingEntries', 'minQuorum', 'stabilizationMs', 'preferredRegion'] },
  },
  RecordDrill: { role: 'admin', route: 'leader', answer: 'unary', audit: 'itself' },
  RecordAudit: { role: 'admin', route: 'leader', answer: 'unary', audit: 'itself', note: 'a follower sends it, with its caller\'s token, for an admin effect that landed on it' },
} as const satisfies AdminOperations;

/** The operations that answer once. */
export type UnaryAdminOp = { [M in AdminOp]: (typeof ADMIN_OPERATIONS)[M]['answer'] extends 'unary' ? M : never }[AdminOp];

/** The operations that answer with a server stream. */
export type StreamingAdminOp = Exclude<AdminOp, UnaryAdminOp>;

/** The operations' names, in the table's order. */
export const ADMIN_OP_NAMES = Object.keys(ADMIN_OPERATIONS) as AdminOp[];

/** The row of `name` (undefined for a name the table does not know). */
export function adminOperation(name: string): AdminRow | undefined {
  const rows: Readonly<Record<string, AdminRow>> = ADMIN_OPERATIONS;
  return Object.hasOwn(rows, name) ? rows[name] : undefined;
}

/** `/fleet.v1.Admin/ListMembers`: the path a call of `name` travels on. */
export function adminPath(name: AdminOp): string {
  return `/fleet.v1.Admin/${name}`;
}

/**
 * The arguments an audit entry records for `request`: the declared fields it sets, in the
 * declared order, after `member` when the row asks for it. Pure.
 */
export function auditArgsOf<Req>(audit: AuditDeclaration<Req>, request: Req, member: string): Record<string, unknown> {
  const args: Record<string, unknown> = audit.member ? { member } : {};
  const fields = request as Readonly<Record<string, unknown>>;
  for (const field of audit.args ?? []) {
    // A proto3 `optional` field has a virtual oneof `_field` naming it when set (LOADER_OPTIONS.oneofs).
    const present = `_${field}` in fields ? fields[`_${field}`] === field : true;
    if (present && fields[field] !== undefined) args[field] = fields[field];
  }
  return args;
}
