/**
 * etcd users' credentials on a member: passwords hashed with scrypt (etcd uses bcrypt; scrypt is
 * in node:crypto), and the tokens `Auth.Authenticate` hands out.
 *
 * Tokens are signed, not kept: `etcd1.<payload>.<mac>`, the payload the user, the auth revision
 * that set the user's password and an expiry, the mac an HMAC-SHA256 under a key that the entry
 * enabling auth carried (auth-store.ts, `secret`). So every member verifies a token any member
 * issued, a follower forwards a write with the caller's token and the leader checks it again, and
 * nothing is written to the log per login (etcd's simple tokens take an entry each, and live only
 * in members' memory; its JWT tokens are signed as these are). A token is refused once it
 * expires, once the user's password changes or the user is deleted (re-added, it has another
 * revision), and once auth is disabled (re-enabled, another key signs).
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ROOT, type EtcdAuthStore, type PasswordHash } from '../../etcd-store/auth-store.js';

/** scrypt's cost: 2^14 blocks of 8 × 128 bytes, about 40 ms and 16 MiB a hash here (etcd's bcrypt cost 10 takes about as long). */
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const HASH_BYTES = 32;
const SALT_BYTES = 16;
/** How long a token is valid: etcd's default --auth-token-ttl (300 s). A client re-authenticates on "invalid auth token". */
export const TOKEN_TTL_MS = 300_000;
const PREFIX = 'etcd1';

function scryptOf(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, { ...params, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A password as the auth store keeps it: a fresh salt, hashed off the event loop (libuv's pool). */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptOf(password, salt, SCRYPT);
  return { salt: salt.toString('base64'), hash: hash.toString('base64'), ...SCRYPT };
}

/** A salt for users that do not exist: their check takes as long as a real one, so timing does not say which names exist. */
const DECOY: PasswordHash = { salt: Buffer.alloc(SALT_BYTES).toString('base64'), hash: Buffer.alloc(HASH_BYTES).toString('base64'), ...SCRYPT };

/** Whether `password` is the one `stored` was made from (false for no stored password, after as long). */
export async function verifyPassword(password: string, stored: PasswordHash | undefined): Promise<boolean> {
  const s = stored ?? DECOY;
  const expected = Buffer.from(s.hash, 'base64');
  const got = await scryptOf(password, Buffer.from(s.salt, 'base64'), { N: s.N, r: s.r, p: s.p });
  return stored !== undefined && got.length === expected.length && timingSafeEqual(got, expected);
}

/** A fresh key to sign tokens with, for the entry that enables auth. */
export function newTokenSecret(): string {
  return randomBytes(32).toString('base64');
}

interface TokenPayload {
  /** The user. */
  readonly u: string;
  /** The auth revision that set the user's password (AuthUser.since). */
  readonly s: number;
  /** Expiry, ms since the epoch by the issuing member's clock. */
  readonly e: number;
}

const mac = (secret: string, payload: string): Buffer => createHmac('sha256', Buffer.from(secret, 'base64')).update(payload).digest();

/** A token for `user` (who must exist) signed with the store's key; undefined while auth is disabled. */
export function issueToken(store: EtcdAuthStore, user: string, now: number): string | undefined {
  const secret = store.secret;
  const u = store.user(user);
  if (secret === undefined || u === undefined) return undefined;
  const payload = Buffer.from(JSON.stringify({ u: user, s: u.since, e: now + TOKEN_TTL_MS } satisfies TokenPayload)).toString('base64url');
  return `${PREFIX}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The user a token names while it is valid by `store` at `now`: signed with its key, unexpired, the user's password unchanged. */
export function verifyToken(store: EtcdAuthStore, token: string, now: number): { readonly name: string; readonly root: boolean } | undefined {
  const secret = store.secret;
  const parts = token.split('.');
  if (secret === undefined || parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const [, payload, signature] = parts as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let p: TokenPayload;
  try {
    p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return undefined;
  }
  if (typeof p.u !== 'string' || typeof p.e !== 'number' || p.e <= now) return undefined;
  const user = store.user(p.u);
  if (user === undefined || user.since !== p.s) return undefined;
  return { name: p.u, root: user.roles.includes(ROOT) };
}
