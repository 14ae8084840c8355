/**
 * etcd's Auth service on a member's client port: users, roles and key permissions as etcd 3.4
 * serves them (`etcdctl user add`, `role add`, `role grant-permission`, `user grant-role`, `auth
 * enable`, `auth disable`), replicated through the log (etcd-store/auth-store.ts), and
 * `Authenticate`, which turns a user name and password into the token later calls carry.
 *
 * Two kinds of credentials meet here. An etcd user's password, checked against its scrypt hash
 * while etcd's auth is enabled, gives a signed token (etcd-credentials.ts) that any member
 * verifies; its calls are then checked key by key (etcd-kv-service.ts, etcd-watch-service.ts). A
 * fleet token given as the password (issue 36) is handed back as it is, and its calls may do
 * what its role may: a fleet admin token acts as etcd's root. A member that checks no fleet tokens
 * and whose etcd auth is disabled answers Authenticate as an etcd without auth does
 * ("authentication is not enabled"), which etcd's clients take as leave to go on without a token.
 *
 * Management needs root (a fleet admin token, or an etcd user with the root role), as etcd's; a
 * user may read itself and the roles it holds. Every change is tried on this member's state first
 * (a dry run), so a change etcd would refuse never reaches the log, and is judged again on apply.
 */
import { status, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { AUTH_ERRORS, AuthError, EtcdAuthStore, type AuthErrorName, type AuthOp, type PasswordHash } from '../../etcd-store/auth-store.js';
import type { PermType } from '../../etcd-store/permissions.js';
import type { EtcdAnswer, EtcdOp } from '../../etcd-store/replica.js';
import { callerOf, checksTokens, knownToken, type AuthOptions } from '../guard/auth.js';
import type { EtcdUnary } from './etcd-cluster-service.js';
import { hashPassword, issueToken, newTokenSecret, verifyPassword } from '../guard/etcd-credentials.js';
import type { WireHeader } from './etcd-wire.js';

/** What the service needs of the member. */
export interface EtcdAuthNode {
  readEtcd<T>(linearizable: boolean, query: () => T): Promise<{ value: T; index: number }>;
}

export interface EtcdAuthOptions {
  readonly auth: AuthOptions;
  /** The response header of an answer made now. */
  readonly header: () => WireHeader;
  /** The KV service's unary handler: the caller's role, then `run`; a write that met a follower goes to the leader. */
  readonly unary: EtcdUnary;
  /** Proposes a keyspace write (or forwards the call); resolves with the applied answer, rejects with etcd's error. */
  readonly write: (op: EtcdOp) => Promise<Extract<EtcdAnswer, { ok: true }>>;
  /** etcd's gRPC error for whatever a step threw (a lost leader, a timeout). */
  readonly toGrpcError: (err: unknown) => { code: status; details: string };
}

/** The gRPC code etcd gives each auth error (rpctypes). */
const AUTH_ERROR_CODES: Readonly<Record<AuthErrorName, status>> = {
  rootUserNotExist: status.FAILED_PRECONDITION,
  rootRoleNotExist: status.FAILED_PRECONDITION,
  userAlreadyExist: status.FAILED_PRECONDITION,
  userEmpty: status.INVALID_ARGUMENT,
  userNotFound: status.FAILED_PRECONDITION,
  roleAlreadyExist: status.FAILED_PRECONDITION,
  roleNotFound: status.FAILED_PRECONDITION,
  roleEmpty: status.INVALID_ARGUMENT,
  authFailed: status.INVALID_ARGUMENT,
  permissionDenied: status.PERMISSION_DENIED,
  roleNotGranted: status.FAILED_PRECONDITION,
  permissionNotGranted: status.FAILED_PRECONDITION,
  authNotEnabled: status.FAILED_PRECONDITION,
  invalidAuthToken: status.UNAUTHENTICATED,
  invalidAuthMgmt: status.INVALID_ARGUMENT,
  tooMany: status.FAILED_PRECONDITION,
};

/** etcd's gRPC error for an auth refusal, by its text (a refusal applied on another member arrives as text). */
export function authError(message: string): { code: status; details: string } {
  const name = (Object.keys(AUTH_ERRORS) as AuthErrorName[]).find((n) => AUTH_ERRORS[n] === message);
  return { code: name === undefined ? status.INVALID_ARGUMENT : AUTH_ERROR_CODES[name], details: message };
}

const refusal = (name: AuthErrorName): { code: status; details: string } => authError(AUTH_ERRORS[name]);

/** Password checks at once at most (each is ~40 ms and 16 MiB of scrypt on libuv's pool); more are refused as etcd refuses a flood. */
const MAX_CHECKING = 8;
const TOO_MANY = { code: status.RESOURCE_EXHAUSTED, details: 'etcdserver: too many requests' };

interface WirePermission {
  permType: PermType;
  key: Buffer;
  rangeEnd: Buffer;
}

/** The Auth service. */
export function createEtcdAuthService(node: EtcdAuthNode, o: EtcdAuthOptions): UntypedServiceImplementation {
  const a = new AuthContext(node, o);
  const change = (op: AuthOp, call: ServerUnaryCall<unknown, unknown>): Promise<{ header: WireHeader }> => a.change(op, call);
  return {
    Authenticate: (call: ServerUnaryCall<{ name: string; password: string }, unknown>, cb: (err: { code: status; details: string } | null, res?: unknown) => void) => {
      a.authenticate(call.request.name, call.request.password).then(
        (token) => cb(null, { header: o.header(), token }),
        (err: unknown) => cb(o.toGrpcError(err)),
      );
    },
    AuthEnable: o.unary<object>('Auth.AuthEnable', async (_req, call) => change({ kind: 'enable', secret: newTokenSecret() }, call)),
    AuthDisable: o.unary<object>('Auth.AuthDisable', async (_req, call) => change({ kind: 'disable' }, call)),
    UserAdd: o.unary<UserAddRequest>('Auth.UserAdd', async (req, call) => userAdd(a, req, call)),
    UserGet: o.unary<{ name: string }>('Auth.UserGet', async (req, call) => userGet(a, req, call)),
    UserList: o.unary<object>('Auth.UserList', async () => ({ header: o.header(), users: (await a.current()).userNames() })),
    UserDelete: o.unary<{ name: string }>('Auth.UserDelete', async (req, call) => change({ kind: 'user-delete', name: req.name }, call)),
    UserChangePassword: o.unary<{ name: string; password: string }>('Auth.UserChangePassword', async (req, call) => {
      if ((await a.current()).user(req.name) === undefined) throw refusal('userNotFound');
      return change({ kind: 'user-change-password', name: req.name, password: await hashPassword(req.password) }, call);
    }),
    UserGrantRole: o.unary<{ user: string; role: string }>('Auth.UserGrantRole', async (req, call) => change({ kind: 'user-grant-role', user: req.user, role: req.role }, call)),
    UserRevokeRole: o.unary<{ name: string; role: string }>('Auth.UserRevokeRole', async (req, call) => change({ kind: 'user-revoke-role', name: req.name, role: req.role }, call)),
    RoleAdd: o.unary<{ name: string }>('Auth.RoleAdd', async (req, call) => change({ kind: 'role-add', name: req.name }, call)),
    RoleGet: o.unary<{ role: string }>('Auth.RoleGet', async (req, call) => roleGet(a, req, call)),
    RoleList: o.unary<object>('Auth.RoleList', async () => ({ header: o.header(), roles: (await a.current()).roleNames() })),
    RoleDelete: o.unary<{ role: string }>('Auth.RoleDelete', async (req, call) => change({ kind: 'role-delete', role: req.role }, call)),
    RoleGrantPermission: o.unary<{ name: string; perm?: WirePermission | null }>('Auth.RoleGrantPermission', async (req, call) => {
      const perm = req.perm ?? { permType: 'READ' as const, key: Buffer.alloc(0), rangeEnd: Buffer.alloc(0) };
      return change({ kind: 'role-grant-permission', name: req.name, perm: { permType: perm.permType, key: perm.key, rangeEnd: perm.rangeEnd } }, call);
    }),
    RoleRevokePermission: o.unary<{ role: string; key: Buffer; rangeEnd: Buffer }>('Auth.RoleRevokePermission', async (req, call) =>
      change({ kind: 'role-revoke-permission', role: req.role, key: req.key, rangeEnd: req.rangeEnd }, call)),
  };
}

/** What the Auth handlers share: the member's auth state, who calls, and the password checks under way. */
class AuthContext {
  /** Password checks under way (at most MAX_CHECKING). */
  private checking = 0;

  constructor(
    private readonly node: EtcdAuthNode,
    readonly o: EtcdAuthOptions,
  ) {}

  store(): EtcdAuthStore {
    return this.o.auth.etcdUsers?.auth() ?? new EtcdAuthStore();
  }

  now(): number {
    return this.o.auth.etcdUsers?.now() ?? Date.now();
  }

  /** The etcd user making a call (checked as root on apply while auth is enabled); undefined for a fleet token. */
  asOf(call: ServerUnaryCall<unknown, unknown>): string | undefined {
    return callerOf(call.metadata, this.o.auth, 'etcd')?.etcdUser;
  }

  /** Whether the caller is root (a fleet admin token, etcd's root, or anyone where nothing is checked). */
  isRoot(call: ServerUnaryCall<unknown, unknown>): boolean {
    return callerOf(call.metadata, this.o.auth, 'etcd')?.role === 'admin';
  }

  /** Tries `op` on a copy of this member's state (etcd's refusals before any entry), then proposes it. */
  async change(op: AuthOp, call: ServerUnaryCall<unknown, unknown>): Promise<{ header: WireHeader }> {
    // On the state as of now (a ReadIndex round): a follower judges what its caller just wrote through the leader.
    tryOn(await this.current(), op);
    const as = this.asOf(call);
    await this.o.write({ type: 'auth', auth: op, ...(as === undefined ? {} : { as }) });
    return { header: this.o.header() };
  }

  /** The state after a ReadIndex round: what a linearizable read of it sees (etcd's auth reads go through its log). */
  async current(): Promise<EtcdAuthStore> {
    await this.node.readEtcd(true, () => undefined);
    return this.store();
  }

  async authenticate(name: string, password: string): Promise<string> {
    const tokens = checksTokens(this.o.auth);
    // A fleet token as the password keeps working beside etcd's users, with its role, and needs no
    // round to the leader (a member without one still logs its clients in).
    if (tokens && name !== '' && password !== '' && knownToken(password, this.o.auth)) return password;
    const s = await this.current();
    if (!s.enabled) {
      if (!tokens) throw refusal('authNotEnabled');
      throw refusal(name === '' ? 'userEmpty' : 'authFailed');
    }
    if (name === '') throw refusal('userEmpty');
    if (this.checking >= MAX_CHECKING) throw TOO_MANY;
    this.checking++;
    let ok: boolean;
    try {
      // A user that does not exist, or has no password, takes as long to refuse.
      ok = await verifyPassword(password, s.user(name)?.password);
    } finally {
      this.checking--;
    }
    const token = ok ? issueToken(this.store(), name, this.now()) : undefined;
    if (token === undefined) throw refusal('authFailed');
    return token;
  }
}

type UserAddRequest = { name: string; password: string; options?: { noPassword?: boolean } | null };

async function userAdd(a: AuthContext, req: UserAddRequest, call: ServerUnaryCall<unknown, unknown>): Promise<{ header: WireHeader }> {
  const noPassword = req.options?.noPassword === true;
  // Judged before the password is hashed: a refusal costs no scrypt.
  const placeholder: PasswordHash = { salt: '', hash: '', N: 0, r: 0, p: 0 };
  tryOn(await a.current(), { kind: 'user-add', name: req.name, ...(noPassword ? {} : { password: placeholder }) });
  const password = noPassword ? undefined : await hashPassword(req.password);
  return a.change({ kind: 'user-add', name: req.name, ...(password === undefined ? {} : { password }) }, call);
}

/** A user's roles, for root or the user itself. */
async function userGet(a: AuthContext, req: { name: string }, call: ServerUnaryCall<unknown, unknown>) {
  if (!a.isRoot(call) && a.asOf(call) !== req.name) throw refusal('permissionDenied');
  const user = (await a.current()).user(req.name);
  if (user === undefined) throw refusal('userNotFound');
  return { header: a.o.header(), roles: [...user.roles] };
}

/** A role's permissions, for root or a user that holds the role. */
async function roleGet(a: AuthContext, req: { role: string }, call: ServerUnaryCall<unknown, unknown>) {
  const s = await a.current();
  const as = a.asOf(call);
  if (!a.isRoot(call) && (as === undefined || !s.hasRole(as, req.role))) throw refusal('permissionDenied');
  const role = s.role(req.role);
  if (role === undefined) throw refusal('roleNotFound');
  return { header: a.o.header(), perm: role.perms.map((p): WirePermission => ({ permType: p.permType, key: Buffer.from(p.key, 'latin1'), rangeEnd: Buffer.from(p.rangeEnd, 'latin1') })) };
}

/** Judges `op` on a copy of `s`: etcd's refusal as a gRPC error, or nothing. */
function tryOn(s: EtcdAuthStore, op: AuthOp): void {
  try {
    EtcdAuthStore.restore(s.image()).apply(op);
  } catch (err) {
    if (err instanceof AuthError) throw refusal(err.reason);
    throw err;
  }
}
