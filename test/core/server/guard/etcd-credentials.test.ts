/**
 * etcd users' credentials (etcd-credentials.ts): scrypt hashes with a salt per user, and signed
 * tokens refused once expired, altered, of a changed password, or after auth was disabled.
 */
import { describe, expect, it } from 'vitest';
import { EtcdAuthStore } from '../../../../src/core/etcd-store/auth-store.js';
import { TOKEN_TTL_MS, hashPassword, issueToken, verifyPassword, verifyToken } from '../../../../src/core/server/guard/etcd-credentials.js';

async function storeWithAlice(): Promise<EtcdAuthStore> {
  const s = new EtcdAuthStore();
  s.apply({ kind: 'user-add', name: 'root', password: await hashPassword('r') });
  s.apply({ kind: 'user-grant-role', user: 'root', role: 'root' });
  s.apply({ kind: 'user-add', name: 'alice', password: await hashPassword('a') });
  s.apply({ kind: 'enable', secret: Buffer.alloc(32, 7).toString('base64') });
  return s;
}

describe('etcd users’ credentials', () => {
  it('hashes a password with its own salt and checks it', async () => {
    const [one, two] = [await hashPassword('pw'), await hashPassword('pw')];
    expect(one.salt).not.toBe(two.salt);
    expect(await verifyPassword('pw', one)).toBe(true);
    expect(await verifyPassword('pW', one)).toBe(false);
    expect(await verifyPassword('pw', undefined)).toBe(false);
  });

  it('issues a token every member with the same state verifies, until it expires', async () => {
    const s = await storeWithAlice();
    const token = issueToken(s, 'alice', 1_000)!;
    const elsewhere = EtcdAuthStore.restore(s.image());
    expect(verifyToken(elsewhere, token, 1_000 + TOKEN_TTL_MS - 1)).toEqual({ name: 'alice', root: false });
    expect(verifyToken(elsewhere, token, 1_000 + TOKEN_TTL_MS)).toBeUndefined();
    expect(verifyToken(s, issueToken(s, 'root', 0)!, 0)).toEqual({ name: 'root', root: true });
  });

  it('refuses an altered token, one of a changed password or a deleted user, and any after auth is disabled', async () => {
    const s = await storeWithAlice();
    const token = issueToken(s, 'alice', 0)!;
    const [p, payload, mac] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), e: 9e15 })).toString('base64url');
    expect(verifyToken(s, `${p}.${forged}.${mac}`, 0)).toBeUndefined();
    expect(verifyToken(s, 'etcd1.e30.AAAA', 0)).toBeUndefined();
    s.apply({ kind: 'user-change-password', name: 'alice', password: await hashPassword('b') });
    expect(verifyToken(s, token, 0)).toBeUndefined();
    const fresh = issueToken(s, 'alice', 0)!;
    expect(verifyToken(s, fresh, 0)?.name).toBe('alice');
    s.apply({ kind: 'disable' });
    expect(verifyToken(s, fresh, 0)).toBeUndefined();
    expect(issueToken(s, 'alice', 0)).toBeUndefined();
  });
});
