/**
 * Bearer-token checks for the client and admin services: which role a token holds, and whether
 * it may make a call (the role each RPC needs is one table, rpc-roles.ts). `authorizeCall` is
 * called first by every handler (once per stream for streaming calls), so no method can forget
 * it; the pre-decode interceptor (pre-auth.ts) asks the same before a message is read.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';
import { METADATA } from '../../../proto/index.js';
import { grants, roleRefusal, type Role } from '../../../common/roles.js';
import type { Actor } from '../../fleet/index.js';
import type { EtcdAuthStore } from '../../etcd-store/auth-store.js';
import { checkInvariant } from '../../invariant.js';
import { verifyToken } from './etcd-credentials.js';
import { isEtcdPath, rpcName, rpcRequirement } from './rpc-roles.js';

/** A read-only token and the name the audit log records for whoever presents it. */
export interface ReadToken {
  readonly token: string;
  readonly name?: string | undefined;
}

/**
 * The tokens a member runs with, each bound to a role (src/common/roles.ts); undefined turns a
 * check off. `token` is the writer's when there is an admin token, else it is the admin's too
 * (one token opens everything, as before roles). With no token at all, every call may do
 * everything (loopback only, see node start); with only an admin token, a call without a token
 * is a writer.
 */
export interface AuthOptions {
  /** The registry writer's token (`--token-file`); the admin's when there is no `adminToken`. */
  readonly token?: string | undefined;
  /** The admin's token (`--admin-token-file`). */
  readonly adminToken?: string | undefined;
  /** Read-only tokens (`--read-token-file`): status, reads, listings and watches. */
  readonly readTokens?: readonly ReadToken[] | undefined;
  /** What the audit log calls whoever presents `token` (default `token`). */
  readonly tokenName?: string | undefined;
  /** What the audit log calls whoever presents `adminToken` (default `admin-token`). */
  readonly adminTokenName?: string | undefined;
  /** etcd's users (their tokens are taken on etcd's API only, while etcd's auth is enabled); absent where the member serves no etcd API. */
  readonly etcdUsers?: EtcdUsers | undefined;
}

/**
 * etcd's users as this member sees them: the replicated auth state as applied here, and the clock
 * tokens are issued and checked by (etcd-credentials.ts).
 */
export interface EtcdUsers {
  auth(): EtcdAuthStore;
  now(): number;
}

/** Which API a call is of: etcd's takes etcd users' tokens, and refuses calls without a token while etcd's auth is enabled. */
export type Api = 'fleet' | 'etcd';

/** Who a call's token says it is: the role it holds and the name the audit log records. */
export interface Caller {
  readonly role: Role;
  readonly tokenName: string;
  /** The etcd user whose token the call presents: `admin` as root, else `writer` with its keys checked. */
  readonly etcdUser?: string;
}

/** etcd's clients send the token `Auth.Authenticate` gave them in this metadata key (etcd-auth-service.ts). */
export const ETCD_TOKEN_METADATA = 'token';

/**
 * The token a call presents: `authorization: Bearer …` (fleet's clients) or a bare
 * `authorization: …` (as etcd accepts it), else etcd's `token` metadata, which carries a fleet token too: the one `Authenticate` was given as the password, or
 * one an etcd client was configured with directly.
 */
function bearer(metadata: Metadata): string | undefined {
  const values = metadata.get(METADATA.authorization);
  const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
  const match = header === undefined ? null : /^Bearer (.+)$/i.exec(header.trim());
  if (match !== null) return match[1];
  // etcd reads `authorization` as the token itself (its gateway forwards Patroni's header so).
  if (header !== undefined && header.trim() !== '' && !/^Bearer\s*$/i.test(header.trim())) return header.trim();
  const [etcd] = metadata.get(ETCD_TOKEN_METADATA);
  return typeof etcd === 'string' && etcd !== '' ? onceSent(etcd) : undefined;
}

/**
 * A header value sent twice arrives joined (`tok, tok`: Node's HTTP/2 joins repeated headers), as
 * python3-etcd3 over TLS sends its token, once as call metadata and once by its call credentials;
 * etcd takes the first. The same value repeated is taken once; anything else is left whole.
 */
function onceSent(value: string): string {
  const parts = value.split(', ');
  return parts.every((p) => p === parts[0]) ? parts[0]! : value;
}

/** Whether `token` is one this member accepts, of any role (what etcd's Authenticate checks). */
export function knownToken(token: string, opts: AuthOptions): boolean {
  let known = false;
  // Every token is compared, so the time taken does not say which one matched.
  for (const t of [opts.adminToken, opts.token, ...(opts.readTokens ?? []).map((r) => r.token)]) if (t !== undefined && same(token, t)) known = true;
  return known;
}

/** Compares in constant time, so the answer's timing does not leak how much of a token matched. */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(code: status, details: string): Partial<StatusObject> {
  return { code, details, metadata: new Metadata() };
}

/** Whether the member checks tokens at all. */
export function checksTokens(opts: AuthOptions): boolean {
  return opts.token !== undefined || opts.adminToken !== undefined || (opts.readTokens?.length ?? 0) > 0;
}

/**
 * The caller a bearer token names, or the anonymous caller where the member lets calls without
 * a token in: all of them when it checks no tokens (admin), and with only an admin token those
 * of the client API (writer). Undefined when the token is missing or unknown and that is refused.
 */
export function callerOf(metadata: Metadata, opts: AuthOptions, api: Api = 'fleet'): Caller | undefined {
  const etcdAuth = api === 'etcd' && opts.etcdUsers?.auth().enabled === true;
  if (!checksTokens(opts) && !etcdAuth) return { role: 'admin', tokenName: 'anonymous' };
  // One call asks up to four times (the pre-decode check, its handler, the audit, a write's role):
  // the token is compared once per call, for the same tokens.
  const cached = CALLERS.get(metadata);
  if (cached !== undefined && cached.api === api && cached.token === opts.token && cached.adminToken === opts.adminToken && cached.readTokens === opts.readTokens) return cached.caller;
  const caller = findCaller(metadata, opts, api, etcdAuth);
  CALLERS.set(metadata, { api, token: opts.token, adminToken: opts.adminToken, readTokens: opts.readTokens, caller });
  return caller;
}

/** Each call's caller, by its metadata (a call's metadata lives as long as the call). */
const CALLERS = new WeakMap<Metadata, { api: Api; token: string | undefined; adminToken: string | undefined; readTokens: AuthOptions['readTokens']; caller: Caller | undefined }>();

function findCaller(metadata: Metadata, opts: AuthOptions, api: Api, etcdAuth: boolean): Caller | undefined {
  const given = bearer(metadata);
  if (given !== undefined) {
    if (opts.adminToken !== undefined && same(given, opts.adminToken)) return { role: 'admin', tokenName: opts.adminTokenName ?? 'admin-token' };
    if (opts.token !== undefined && same(given, opts.token)) return { role: opts.adminToken === undefined ? 'admin' : 'writer', tokenName: opts.tokenName ?? 'token' };
    // Every read token is compared, so the time taken does not say which one matched.
    let read: Caller | undefined;
    for (const t of opts.readTokens ?? []) if (same(given, t.token) && read === undefined) read = { role: 'read', tokenName: t.name ?? 'read-token' };
    if (read !== undefined) return read;
    // An etcd user's token, on etcd's API only: fleet.v1 knows no etcd users (a user limited to a prefix is no registry writer).
    const users = opts.etcdUsers;
    if (api === 'etcd' && users !== undefined && etcdAuth) {
      const user = verifyToken(users.auth(), given, users.now());
      if (user !== undefined) return { role: user.root ? 'admin' : 'writer', tokenName: `etcd-user:${user.name}`, etcdUser: user.name };
    }
  }
  // While etcd's auth is enabled, etcd's API takes no call without a token, as etcd's.
  if (etcdAuth) return undefined;
  const anonymousWriter = opts.token === undefined && (opts.readTokens?.length ?? 0) === 0;
  return anonymousWriter ? { role: 'writer', tokenName: 'anonymous' } : undefined;
}

/**
 * The etcd user whose permissions a call's keys are checked against, or undefined for a caller
 * every key is open to: a fleet token (its role decides what it may do), etcd's root, or any
 * caller while etcd's auth is disabled.
 */
export function etcdKeysUser(metadata: Metadata, opts: AuthOptions): string | undefined {
  const auth = opts.etcdUsers?.auth();
  if (auth === undefined || !auth.enabled) return undefined;
  const caller = callerOf(metadata, opts, 'etcd');
  return caller?.etcdUser !== undefined && caller.role !== 'admin' ? caller.etcdUser : undefined;
}

/**
 * Checks a call's `authorization: Bearer <token>` metadata against the role `needed` for `what`
 * (an RPC, or a write). Returns the status to fail the call with, or undefined when it may
 * proceed. Missing token → UNAUTHENTICATED; unknown token → UNAUTHENTICATED (PERMISSION_DENIED
 * where admin is needed, as before roles); a token whose role is below `needed` →
 * PERMISSION_DENIED naming the role needed and the role held.
 */
export function authorize(metadata: Metadata, needed: Role, opts: AuthOptions, what = 'this call', api: Api = 'fleet'): Partial<StatusObject> | undefined {
  const caller = callerOf(metadata, opts, api);
  if (caller === undefined) {
    if (bearer(metadata) === undefined) {
      const which = needed === 'admin' && opts.adminToken !== undefined ? 'the admin token' : 'a token';
      return refuse(status.UNAUTHENTICATED, `this member requires ${which}: pass --token or set FLEET_TOKEN`);
    }
    if (needed === 'admin') return refuse(status.PERMISSION_DENIED, `${what} needs the admin role: pass the admin token with --token`);
    return refuse(status.UNAUTHENTICATED, 'the token was not accepted: check --token or FLEET_TOKEN');
  }
  if (grants(caller.role, needed)) return undefined;
  return refuse(status.PERMISSION_DENIED, roleRefusal(what, needed, caller.role, caller.tokenName));
}

/** Marks a call `authorizeCall` has judged, for `authorizedFirst` (on the call: gone with it). */
const JUDGED = Symbol('judged by authorizeCall');

/** Checks a call against the role its RPC needs (rpc-roles.ts): what every handler does first. */
export function authorizeCall(call: { readonly metadata: Metadata; getPath(): string }, opts: AuthOptions): Partial<StatusObject> | undefined {
  (call as { [JUDGED]?: true })[JUDGED] = true;
  return authorizePath(call.getPath(), call.metadata, opts);
}

/**
 * `handlers` (a service's, by method name), each checked to have passed its call through
 * `authorizeCall` before it returned: a handler that forgot would serve anyone. Checked when the
 * handler returns, since every handler judges the call before anything asynchronous.
 */
export function authorizedFirst<H extends object>(service: string, handlers: H): H {
  const checked: Record<string, unknown> = {};
  // Unary handlers take (call, callback), streaming ones (call): two parameters, no rest array per call.
  for (const [method, handler] of Object.entries(handlers) as [string, (call: object, callback: unknown) => unknown][]) {
    checked[method] = (call: { [JUDGED]?: true }, callback: unknown): unknown => {
      const result = handler(call, callback);
      checkInvariant(call[JUDGED] === true, 'rpc-authorized-first', () => `${service}.${method} returned without passing its call through authorizeCall`);
      return result;
    };
  }
  return checked as H;
}

/**
 * Checks a call to `path` against the role its RPC needs, from its metadata alone (the handlers,
 * and the pre-decode interceptor). A refusal on etcd's API is etcd's own error, the one its
 * clients act on (re-authenticating on an invalid token, for one).
 */
export function authorizePath(path: string, metadata: Metadata, opts: AuthOptions): Partial<StatusObject> | undefined {
  const needed = rpcRequirement(path);
  // Peer calls and services outside fleet.v1 are not the business of a token.
  if (needed === undefined || needed === 'peer') return undefined;
  const etcd = isEtcdPath(path);
  const refusal = authorize(metadata, needed, opts, rpcName(path), etcd ? 'etcd' : 'fleet');
  return refusal === undefined || !etcd ? refusal : etcdRefusal(metadata, opts);
}

/** Checks an etcd call that needs more than its method's role for what it asks (Alarm DEACTIVATE needs admin, GET a read token); etcd's error. */
export function authorizeEtcdAction(metadata: Metadata, needed: Role, opts: AuthOptions, what: string): Partial<StatusObject> | undefined {
  return authorize(metadata, needed, opts, what, 'etcd') === undefined ? undefined : etcdRefusal(metadata, opts);
}

/** etcd's error for a call it refuses (rpctypes: ErrGRPCUserEmpty, …InvalidAuthToken, …PermissionDenied). */
function etcdRefusal(metadata: Metadata, opts: AuthOptions): Partial<StatusObject> {
  if (bearer(metadata) === undefined) return refuse(status.INVALID_ARGUMENT, 'etcdserver: user name is empty');
  if (callerOf(metadata, opts, 'etcd') === undefined) return refuse(status.UNAUTHENTICATED, 'etcdserver: invalid auth token');
  return refuse(status.PERMISSION_DENIED, 'etcdserver: permission denied');
}

/** What a client may say it is (`user@host`): printable, short. Anything else is dropped. */
const CLIENT_TEXT = /^[\x21-\x7e]{1,200}$/;

/**
 * Who a call comes from, for the audit log: the name of the token it presented (checked by
 * `authorize` before), and the `user@host` the client says it runs as (unverified). Never the
 * token itself.
 */
export function actorOf(metadata: Metadata, opts: AuthOptions, api: Api = 'fleet'): Actor {
  const said = metadata.get(METADATA.actor)[0];
  const client = typeof said === 'string' && CLIENT_TEXT.test(said) ? said : '';
  return { token: callerOf(metadata, opts, api)?.tokenName ?? 'anonymous', client };
}
