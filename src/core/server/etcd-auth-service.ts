/**
 * etcd's `Auth.Authenticate` on a member's client port (issue 36), so that `etcdctl --user NAME
 * --password TOKEN` and every etcd client's user/password option work against fleet. There are
 * no etcd users or roles here: the password is a fleet token, and the token handed back is that
 * same fleet token, which the client then sends as etcd's `token` metadata on every call
 * (auth.ts reads it beside `authorization: Bearer`). So it works on every member with no session
 * to replicate or expire, and a call is allowed what the token's role allows (rpc-roles.ts).
 * The user name is not checked: it is whatever the caller calls itself.
 */
import { status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { checksTokens, knownToken, type AuthOptions } from './auth.js';
import type { WireHeader } from './etcd-wire.js';

export interface EtcdAuthOptions {
  readonly auth: AuthOptions;
  /** The response header of an answer made now. */
  readonly header: () => WireHeader;
}

/** etcd's errors for Authenticate (rpctypes). */
const NOT_ENABLED = { code: status.FAILED_PRECONDITION, details: 'etcdserver: authentication is not enabled' };
const FAILED = { code: status.INVALID_ARGUMENT, details: 'etcdserver: authentication failed, invalid user ID or password' };
const USER_EMPTY = { code: status.INVALID_ARGUMENT, details: 'etcdserver: user name is empty' };

/**
 * The Auth service. A member that checks no tokens answers as an etcd without auth does
 * ("authentication is not enabled"), which etcd's clients take as leave to go on without a token.
 */
export function createEtcdAuthService(o: EtcdAuthOptions): UntypedServiceImplementation {
  return {
    Authenticate: (call: ServerUnaryCall<{ name: string; password: string }, unknown>, cb: sendUnaryData<unknown>) => {
      const { name, password } = call.request;
      if (!checksTokens(o.auth)) return void cb(NOT_ENABLED);
      if (name === '') return void cb(USER_EMPTY);
      if (password === '' || !knownToken(password, o.auth)) return void cb(FAILED);
      cb(null, { header: o.header(), token: password });
    },
  };
}
