/**
 * Bearer-token checks for the client and admin services. One function, called first by every
 * handler (once per stream for streaming calls), so no method can forget it.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';
import { METADATA } from '../../proto/index.js';
import type { Actor } from '../fleet/index.js';

/** The tokens a member runs with; undefined turns a check off. */
export interface AuthOptions {
  /** Required on client calls when set (the admin token is accepted too). */
  readonly token?: string | undefined;
  /** Required on admin calls when set; when only `token` is set, admin calls need that. */
  readonly adminToken?: string | undefined;
  /** What the audit log calls whoever presents `token` (default `token`). */
  readonly tokenName?: string | undefined;
  /** What the audit log calls whoever presents `adminToken` (default `admin-token`). */
  readonly adminTokenName?: string | undefined;
}

/** Which service a call belongs to. */
export type AuthLevel = 'client' | 'admin';

function bearer(metadata: Metadata): string | undefined {
  const values = metadata.get(METADATA.authorization);
  const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
  const match = header === undefined ? null : /^Bearer (.+)$/i.exec(header.trim());
  return match?.[1];
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

/**
 * Checks a call's `authorization: Bearer <token>` metadata. Returns the status to fail the call
 * with, or undefined when it may proceed. Missing or unknown token → UNAUTHENTICATED; a valid
 * client token on an admin call → PERMISSION_DENIED, as is any other token there.
 */
export function authorize(metadata: Metadata, level: AuthLevel, opts: AuthOptions): Partial<StatusObject> | undefined {
  const required = level === 'admin' ? (opts.adminToken ?? opts.token) : opts.token;
  if (required === undefined) return undefined;
  const given = bearer(metadata);
  if (given === undefined) {
    const which = level === 'admin' && opts.adminToken !== undefined ? 'the admin token' : 'a token';
    return refuse(status.UNAUTHENTICATED, `this member requires ${which}: pass --token or set FLEET_TOKEN`);
  }
  if (same(given, required)) return undefined;
  if (level === 'client') {
    if (opts.adminToken !== undefined && same(given, opts.adminToken)) return undefined;
    return refuse(status.UNAUTHENTICATED, 'the token was not accepted: check --token or FLEET_TOKEN');
  }
  return refuse(status.PERMISSION_DENIED, 'admin operations need the admin token: pass it with --token');
}

/** What a client may say it is (`user@host`): printable, short. Anything else is dropped. */
const CLIENT_TEXT = /^[\x21-\x7e]{1,200}$/;

/**
 * Who a call comes from, for the audit log: the name of the token it presented (checked by
 * `authorize` before), and the `user@host` the client says it runs as (unverified). Never the
 * token itself.
 */
export function actorOf(metadata: Metadata, opts: AuthOptions): Actor {
  const said = metadata.get(METADATA.actor)[0];
  const client = typeof said === 'string' && CLIENT_TEXT.test(said) ? said : '';
  const given = bearer(metadata);
  let token = 'anonymous';
  if (given !== undefined && opts.adminToken !== undefined && same(given, opts.adminToken)) token = opts.adminTokenName ?? 'admin-token';
  else if (given !== undefined && opts.token !== undefined && same(given, opts.token)) token = opts.tokenName ?? 'token';
  return { token, client };
}
