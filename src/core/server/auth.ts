/**
 * Bearer-token checks for the client and admin services. One function, called first by every
 * handler (once per stream for streaming calls), so no method can forget it.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';
import { METADATA } from '../../proto/index.js';

/** The tokens a member runs with; undefined turns a check off. */
export interface AuthOptions {
  /** Required on client calls when set (the admin token is accepted too). */
  readonly token?: string | undefined;
  /** Required on admin calls when set; when only `token` is set, admin calls need that. */
  readonly adminToken?: string | undefined;
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
