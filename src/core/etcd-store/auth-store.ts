/**
 * etcd's auth store (etcd 3.4's auth/store.go) as a replicated, deterministic state: users with
 * hashed passwords and roles, roles with key permissions, whether auth is enabled, and the auth
 * revision every change bumps. It lives beside the MVCC store in the keyspace (replica.ts), so it
 * travels in the same log entries, images and snapshots, and every member answers permission
 * checks from the same state.
 *
 * Nothing here hashes, signs or reads a clock: a password arrives hashed in the entry (hashed
 * once, by the member that proposed it, src/core/server/guard/etcd-credentials.ts), and the key that
 * signs tokens arrives with the entry that enables auth. Every change is judged with etcd's
 * rules and refused with etcd's errors (`AuthError`), the same on every member.
 */
import { checkInvariant } from '../invariant.js';
import type { Compare, RequestOp, TxnRequest } from './mvcc.js';
import { covers, opChecks, txnChecks, unifiedPermissions, type Access, type CheckedOp, type CheckedTxn, type Interval, type KeyCheck, type KeyPermission, type PermType } from './permissions.js';

/** etcd's errors for auth (rpctypes), by name. */
export const AUTH_ERRORS = {
  rootUserNotExist: 'etcdserver: root user does not exist',
  rootRoleNotExist: 'etcdserver: root user does not have root role',
  userAlreadyExist: 'etcdserver: user name already exists',
  userEmpty: 'etcdserver: user name is empty',
  userNotFound: 'etcdserver: user name not found',
  roleAlreadyExist: 'etcdserver: role name already exists',
  roleNotFound: 'etcdserver: role name not found',
  roleEmpty: 'etcdserver: role name is empty',
  authFailed: 'etcdserver: authentication failed, invalid user ID or password',
  permissionDenied: 'etcdserver: permission denied',
  roleNotGranted: 'etcdserver: role is not granted to the user',
  permissionNotGranted: 'etcdserver: permission is not granted to the role',
  authNotEnabled: 'etcdserver: authentication is not enabled',
  invalidAuthToken: 'etcdserver: invalid auth token',
  invalidAuthMgmt: 'etcdserver: invalid auth management',
  tooMany: 'etcdserver: too many users, roles or permissions',
} as const;
export type AuthErrorName = keyof typeof AUTH_ERRORS;

/** A refusal with etcd's text; `name` says which (its gRPC code is the server's to give). */
export class AuthError extends Error {
  constructor(readonly reason: AuthErrorName) {
    super(AUTH_ERRORS[reason]);
    this.name = 'AuthError';
  }
}

/** The bound on each thing the store holds: every member refuses past them alike. */
export const AUTH_LIMITS = { users: 10_000, roles: 10_000, permissionsPerRole: 1_000, rolesPerUser: 1_000, nameBytes: 1_024 } as const;

export const ROOT = 'root';

/** A password as stored: scrypt's output and parameters, base64 (etcd-credentials.ts makes and checks it). */
export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface AuthUser {
  readonly name: string;
  /** Absent for a user added with `no_password` (only a client certificate would name it; fleet has none: it cannot log in). */
  readonly password?: PasswordHash;
  /** Sorted, as etcd keeps them. */
  readonly roles: readonly string[];
  /** The auth revision that set its password: a token carries it, and is stale once it changed (etcd-credentials.ts). */
  readonly since: number;
}

export interface AuthRole {
  readonly name: string;
  /** Sorted by key, as etcd keeps them. */
  readonly perms: readonly KeyPermission[];
}

/** The store in an image (JSON), users and roles in name order. */
export interface AuthImage {
  readonly enabled: boolean;
  readonly revision: number;
  /** The key tokens are signed with (base64), set by the entry that enabled auth. */
  readonly secret?: string;
  readonly users: readonly AuthUser[];
  readonly roles: readonly AuthRole[];
}

/** One replicated change, as the member that proposed it built it (keys as bytes, hashed passwords). */
export type AuthOp =
  | { readonly kind: 'enable'; readonly secret: string }
  | { readonly kind: 'disable' }
  | { readonly kind: 'user-add'; readonly name: string; readonly password?: PasswordHash }
  | { readonly kind: 'user-delete'; readonly name: string }
  | { readonly kind: 'user-change-password'; readonly name: string; readonly password: PasswordHash }
  | { readonly kind: 'user-grant-role'; readonly user: string; readonly role: string }
  | { readonly kind: 'user-revoke-role'; readonly name: string; readonly role: string }
  | { readonly kind: 'role-add'; readonly name: string }
  | { readonly kind: 'role-delete'; readonly role: string }
  | { readonly kind: 'role-grant-permission'; readonly name: string; readonly perm: { readonly permType: PermType; readonly key: Uint8Array; readonly rangeEnd: Uint8Array } }
  | { readonly kind: 'role-revoke-permission'; readonly role: string; readonly key: Uint8Array; readonly rangeEnd: Uint8Array };

const latin1 = (b: Uint8Array | undefined): string => (b === undefined ? '' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'));
const byName = <T extends { readonly name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byKey = (a: KeyPermission, b: KeyPermission): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.rangeEnd < b.rangeEnd ? -1 : a.rangeEnd > b.rangeEnd ? 1 : 0);

/**
 * The auth state of one member's keyspace. It changes only in `apply` and `restore` (its fields
 * are private), and `revision` grows by one with every change that `apply` makes (etcd's
 * commitRevision; checked in `apply`), so members that applied the same entries agree on it and
 * on everything it guards.
 */
export class EtcdAuthStore {
  #enabled = false;
  #revision = 1;
  #secret: string | undefined;
  #users = new Map<string, AuthUser>();
  #roles = new Map<string, AuthRole>();
  /** Each user's merged permissions, by access: computed on demand, dropped on every change. */
  #unified = new Map<string, Readonly<Record<Access, Interval[]>>>();

  get enabled(): boolean {
    return this.#enabled;
  }

  get revision(): number {
    return this.#revision;
  }

  /** The key tokens are signed with while auth is enabled. */
  get secret(): string | undefined {
    return this.#enabled ? this.#secret : undefined;
  }

  /** Whether nothing was ever done: an image without auth stays as it was before auth existed. */
  get pristine(): boolean {
    return !this.#enabled && this.#revision === 1 && this.#users.size === 0 && this.#roles.size === 0;
  }

  user(name: string): AuthUser | undefined {
    return this.#users.get(name);
  }

  role(name: string): AuthRole | undefined {
    return this.#roles.get(name);
  }

  userNames(): string[] {
    return [...this.#users.keys()].sort();
  }

  roleNames(): string[] {
    return [...this.#roles.keys()].sort();
  }

  /** Whether `name` is a user holding the root role (which etcd grants every key and every management call). */
  isRoot(name: string): boolean {
    return this.#users.get(name)?.roles.includes(ROOT) === true;
  }

  /** Whether `user` holds `role`. */
  hasRole(user: string, role: string): boolean {
    return this.#users.get(user)?.roles.includes(role) === true;
  }

  /**
   * Whether `user` may make every check in `checks` now: anything while auth is disabled, anything
   * for root, nothing for a user that is gone (etcd's isOpPermitted).
   */
  permits(user: string, checks: readonly KeyCheck[]): boolean {
    if (!this.#enabled) return true;
    if (!this.#users.has(user)) return false;
    if (this.isRoot(user)) return true;
    const unified = this.unifiedOf(user);
    return checks.every((c) => covers(unified[c.access], c.key, c.rangeEnd));
  }

  /** The checks of a txn request (mvcc's shape), with a put's lease's keys from `leaseKeys`. */
  static txnChecks(txn: TxnRequest, leaseKeys: (lease: number) => readonly string[]): KeyCheck[] {
    return txnChecks(checkedTxn(txn), leaseKeys);
  }

  /** The checks of one operation (mvcc's shape). */
  static opChecks(op: RequestOp, leaseKeys: (lease: number) => readonly string[]): KeyCheck[] {
    return opChecks(checkedOp(op), leaseKeys);
  }

  /** Applies one change with etcd's rules; throws AuthError (and changes nothing) where etcd refuses. */
  apply(op: AuthOp): void {
    const before = this.#revision;
    this.#applyOp(op);
    checkInvariant(this.#revision === before || this.#revision === before + 1, 'auth-revision-one-per-change', () => `${op.kind} moved the auth revision from ${before} to ${this.#revision}`);
  }

  #applyOp(op: AuthOp): void {
    switch (op.kind) {
      case 'enable':
        return this.enable(op.secret);
      case 'disable':
        if (!this.#enabled) return;
        this.#enabled = false;
        this.#secret = undefined;
        return this.bump();
      case 'user-add':
        return this.userAdd(op.name, op.password);
      case 'user-delete':
        if (this.#enabled && op.name === ROOT) throw new AuthError('invalidAuthMgmt');
        if (!this.#users.delete(op.name)) throw new AuthError('userNotFound');
        return this.bump();
      case 'user-change-password': {
        const u = this.existingUser(op.name);
        this.#users.set(op.name, { ...u, password: op.password, since: this.#revision + 1 });
        return this.bump();
      }
      case 'user-grant-role':
        return this.grantRole(op.user, op.role);
      case 'user-revoke-role': {
        if (this.#enabled && op.name === ROOT && op.role === ROOT) throw new AuthError('invalidAuthMgmt');
        const u = this.existingUser(op.name);
        if (!u.roles.includes(op.role)) throw new AuthError('roleNotGranted');
        this.#users.set(op.name, { ...u, roles: u.roles.filter((r) => r !== op.role) });
        return this.bump();
      }
      case 'role-add':
        if (op.name === '') throw new AuthError('roleEmpty');
        if (this.#roles.has(op.name)) throw new AuthError('roleAlreadyExist');
        checkName(op.name);
        if (this.#roles.size >= AUTH_LIMITS.roles) throw new AuthError('tooMany');
        this.#roles.set(op.name, { name: op.name, perms: [] });
        return this.bump();
      case 'role-delete':
        return this.roleDelete(op.role);
      case 'role-grant-permission':
        return this.grantPermission(op.name, { permType: op.perm.permType, key: latin1(op.perm.key), rangeEnd: latin1(op.perm.rangeEnd) });
      case 'role-revoke-permission': {
        const role = this.existingRole(op.role);
        const key = latin1(op.key);
        const rangeEnd = latin1(op.rangeEnd);
        const kept = role.perms.filter((p) => p.key !== key || p.rangeEnd !== rangeEnd);
        if (kept.length === role.perms.length) throw new AuthError('permissionNotGranted');
        this.#roles.set(role.name, { ...role, perms: kept });
        return this.bump();
      }
    }
  }

  image(): AuthImage {
    return {
      enabled: this.#enabled,
      revision: this.#revision,
      ...(this.#secret === undefined ? {} : { secret: this.#secret }),
      users: [...this.#users.values()].sort(byName),
      roles: [...this.#roles.values()].sort(byName),
    };
  }

  static restore(image: AuthImage | undefined): EtcdAuthStore {
    const s = new EtcdAuthStore();
    if (image === undefined) return s;
    checkInvariant(Number.isSafeInteger(image.revision) && image.revision >= 1, 'auth-revision-one-per-change', () => `an image at auth revision ${image.revision}`);
    s.#enabled = image.enabled;
    s.#revision = image.revision;
    s.#secret = image.secret;
    for (const u of image.users) s.#users.set(u.name, { ...u, roles: [...u.roles] });
    for (const r of image.roles) s.#roles.set(r.name, { name: r.name, perms: r.perms.map((p) => ({ ...p })) });
    return s;
  }

  private enable(secret: string): void {
    // Enabling twice is not an error, and keeps the key tokens were signed with (etcd ignores it).
    if (this.#enabled) return;
    const root = this.#users.get(ROOT);
    if (root === undefined) throw new AuthError('rootUserNotExist');
    if (!root.roles.includes(ROOT)) throw new AuthError('rootRoleNotExist');
    this.#enabled = true;
    this.#secret = secret;
    this.bump();
  }

  private userAdd(name: string, password: PasswordHash | undefined): void {
    if (name === '') throw new AuthError('userEmpty');
    if (this.#users.has(name)) throw new AuthError('userAlreadyExist');
    checkName(name);
    if (this.#users.size >= AUTH_LIMITS.users) throw new AuthError('tooMany');
    this.#users.set(name, { name, ...(password === undefined ? {} : { password }), roles: [], since: this.#revision + 1 });
    this.bump();
  }

  private grantRole(user: string, role: string): void {
    const u = this.existingUser(user);
    // The root role need not have been added to be granted (etcd's rule).
    if (role !== ROOT && !this.#roles.has(role)) throw new AuthError('roleNotFound');
    if (u.roles.includes(role)) return;
    if (u.roles.length >= AUTH_LIMITS.rolesPerUser) throw new AuthError('tooMany');
    this.#users.set(user, { ...u, roles: [...u.roles, role].sort() });
    this.bump();
  }

  private roleDelete(name: string): void {
    if (this.#enabled && name === ROOT) throw new AuthError('invalidAuthMgmt');
    if (!this.#roles.delete(name)) throw new AuthError('roleNotFound');
    for (const u of [...this.#users.values()]) if (u.roles.includes(name)) this.#users.set(u.name, { ...u, roles: u.roles.filter((r) => r !== name) });
    this.bump();
  }

  private grantPermission(name: string, perm: KeyPermission): void {
    const role = this.existingRole(name);
    const same = role.perms.findIndex((p) => p.key === perm.key && p.rangeEnd === perm.rangeEnd);
    if (same < 0 && role.perms.length >= AUTH_LIMITS.permissionsPerRole) throw new AuthError('tooMany');
    // The same key and range_end: its type replaced, as etcd does; else added in key order.
    const perms = same >= 0 ? role.perms.map((p, i) => (i === same ? perm : p)) : [...role.perms, perm].sort(byKey);
    this.#roles.set(name, { ...role, perms });
    this.bump();
  }

  private existingUser(name: string): AuthUser {
    const u = this.#users.get(name);
    if (u === undefined) throw new AuthError('userNotFound');
    return u;
  }

  private existingRole(name: string): AuthRole {
    const r = this.#roles.get(name);
    if (r === undefined) throw new AuthError('roleNotFound');
    return r;
  }

  private bump(): void {
    this.#revision++;
    this.#unified.clear();
  }

  private unifiedOf(user: string): Readonly<Record<Access, Interval[]>> {
    let u = this.#unified.get(user);
    if (u === undefined) {
      const perms = (this.#users.get(user)?.roles ?? []).flatMap((r) => this.#roles.get(r)?.perms ?? []);
      u = { read: unifiedPermissions(perms, 'read'), write: unifiedPermissions(perms, 'write') };
      this.#unified.set(user, u);
    }
    return u;
  }
}

function checkName(name: string): void {
  if (Buffer.byteLength(name, 'utf8') > AUTH_LIMITS.nameBytes) throw new AuthError('tooMany');
}

function checkedOp(op: RequestOp): CheckedOp {
  if ('range' in op) return { range: { key: latin1(op.range.key), rangeEnd: latin1(op.range.rangeEnd) } };
  if ('put' in op) return { put: { key: latin1(op.put.key), prevKv: op.put.prevKv === true, lease: op.put.lease ?? 0 } };
  if ('deleteRange' in op) return { deleteRange: { key: latin1(op.deleteRange.key), rangeEnd: latin1(op.deleteRange.rangeEnd), prevKv: op.deleteRange.prevKv === true } };
  return { txn: checkedTxn(op.txn) };
}

function checkedTxn(txn: TxnRequest): CheckedTxn {
  return {
    compare: (txn.compare ?? []).map((c: Compare) => ({ key: latin1(c.key), rangeEnd: latin1(c.rangeEnd) })),
    success: (txn.success ?? []).map(checkedOp),
    failure: (txn.failure ?? []).map(checkedOp),
  };
}
