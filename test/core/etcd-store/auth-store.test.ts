/**
 * etcd's auth state in the keyspace (auth-store.ts, replica.ts): etcd 3.4's rules and errors for
 * users, roles and permissions; the checks a user's keys get; the same answers on every replica
 * that applied the same entries, checked again on apply; and the state kept by a snapshot and
 * restore of the keyspace image, whole and written in steps.
 */
import { describe, expect, it } from 'vitest';
import { AUTH_ERRORS, EtcdAuthStore, type AuthOp, type PasswordHash } from '../../../src/core/etcd-store/auth-store.js';
import { EtcdReplica, decodeEtcdRequest, encodeEtcdRequest, type EtcdAnswer, type EtcdOp } from '../../../src/core/etcd-store/replica.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const pw: PasswordHash = { salt: 'c2FsdA==', hash: 'aGFzaA==', N: 16384, r: 8, p: 1 };

/** Applies `ops` in order, through their entry bytes, as the log carries them. */
function applied(replica: EtcdReplica, ...ops: EtcdOp[]): EtcdAnswer[] {
  return ops.map((op) => replica.apply(decodeEtcdRequest(encodeEtcdRequest({ at: 1, op }))));
}
const auth = (a: AuthOp, as?: string): EtcdOp => ({ type: 'auth', auth: a, ...(as === undefined ? {} : { as }) });
const put = (key: string, as?: string): EtcdOp => ({ type: 'txn', txn: { success: [{ put: { key: b(key), value: b('v') } }] }, ...(as === undefined ? {} : { as }) });
const refusal = (a: EtcdAnswer): string | undefined => (a.ok ? undefined : a.error.message);

/** root with the root role, and alice limited to app/ (readwrite), auth enabled. */
function withAlice(): EtcdReplica {
  const r = new EtcdReplica();
  const answers = applied(
    r,
    auth({ kind: 'user-add', name: 'root', password: pw }),
    auth({ kind: 'user-grant-role', user: 'root', role: 'root' }),
    auth({ kind: 'role-add', name: 'app' }),
    auth({ kind: 'role-grant-permission', name: 'app', perm: { permType: 'READWRITE', key: b('app/'), rangeEnd: b('app0') } }),
    auth({ kind: 'user-add', name: 'alice', password: pw }),
    auth({ kind: 'user-grant-role', user: 'alice', role: 'app' }),
    auth({ kind: 'enable', secret: 'c2VjcmV0' }),
  );
  expect(answers.map(refusal)).toEqual(answers.map(() => undefined));
  return r;
}

describe('etcd’s auth rules', () => {
  it('refuses auth enable without a root user having the root role, with etcd’s errors', () => {
    const r = new EtcdReplica();
    expect(refusal(applied(r, auth({ kind: 'enable', secret: 'x' }))[0]!)).toBe(AUTH_ERRORS.rootUserNotExist);
    applied(r, auth({ kind: 'user-add', name: 'root', password: pw }));
    expect(refusal(applied(r, auth({ kind: 'enable', secret: 'x' }))[0]!)).toBe(AUTH_ERRORS.rootRoleNotExist);
    // The root role need not have been added to be granted.
    applied(r, auth({ kind: 'user-grant-role', user: 'root', role: 'root' }));
    expect(refusal(applied(r, auth({ kind: 'enable', secret: 'x' }))[0]!)).toBeUndefined();
    expect(r.auth.enabled).toBe(true);
    expect(r.auth.secret).toBe('x');
  });

  it('answers each refusal with etcd’s text, and changes nothing by it', () => {
    const r = withAlice();
    const before = JSON.stringify(r.auth.image());
    const refused: [AuthOp, string][] = [
      [{ kind: 'user-add', name: 'alice', password: pw }, AUTH_ERRORS.userAlreadyExist],
      [{ kind: 'user-add', name: '', password: pw }, AUTH_ERRORS.userEmpty],
      [{ kind: 'user-delete', name: 'bob' }, AUTH_ERRORS.userNotFound],
      [{ kind: 'user-delete', name: 'root' }, AUTH_ERRORS.invalidAuthMgmt],
      [{ kind: 'user-grant-role', user: 'alice', role: 'nope' }, AUTH_ERRORS.roleNotFound],
      [{ kind: 'user-revoke-role', name: 'alice', role: 'root' }, AUTH_ERRORS.roleNotGranted],
      [{ kind: 'user-revoke-role', name: 'root', role: 'root' }, AUTH_ERRORS.invalidAuthMgmt],
      [{ kind: 'role-add', name: 'app' }, AUTH_ERRORS.roleAlreadyExist],
      [{ kind: 'role-add', name: '' }, AUTH_ERRORS.roleEmpty],
      [{ kind: 'role-delete', role: 'root' }, AUTH_ERRORS.invalidAuthMgmt],
      [{ kind: 'role-delete', role: 'nope' }, AUTH_ERRORS.roleNotFound],
      [{ kind: 'role-revoke-permission', role: 'app', key: b('x'), rangeEnd: b('') }, AUTH_ERRORS.permissionNotGranted],
      [{ kind: 'role-grant-permission', name: 'nope', perm: { permType: 'READ', key: b('x'), rangeEnd: b('') } }, AUTH_ERRORS.roleNotFound],
    ];
    for (const [op, text] of refused) expect(refusal(applied(r, auth(op))[0]!), op.kind).toBe(text);
    expect(JSON.stringify(r.auth.image())).toBe(before);
  });

  it('bumps the auth revision with every change, not with a grant already held or a second enable', () => {
    const r = withAlice();
    const rev = r.auth.revision;
    applied(r, auth({ kind: 'user-grant-role', user: 'alice', role: 'app' }), auth({ kind: 'enable', secret: 'other' }));
    expect(r.auth.revision).toBe(rev);
    expect(r.auth.secret, 'a second enable keeps the key tokens were signed with').toBe('c2VjcmV0');
    applied(r, auth({ kind: 'role-grant-permission', name: 'app', perm: { permType: 'READ', key: b('app/'), rangeEnd: b('app0') } }));
    expect(r.auth.revision).toBe(rev + 1);
    expect(r.auth.role('app')!.perms, 'the same key and range_end: its type replaced').toEqual([{ permType: 'READ', key: 'app/', rangeEnd: 'app0' }]);
  });

  it('removes a deleted role from its users, and a changed password moves the user’s revision (its tokens go stale)', () => {
    const r = withAlice();
    const since = r.auth.user('alice')!.since;
    applied(r, auth({ kind: 'user-change-password', name: 'alice', password: { ...pw, hash: 'bmV3' } }));
    expect(r.auth.user('alice')!.since).toBeGreaterThan(since);
    applied(r, auth({ kind: 'role-delete', role: 'app' }));
    expect(r.auth.user('alice')!.roles).toEqual([]);
  });
});

describe('a user’s keys, checked on apply', () => {
  it('lets alice write inside her prefix and refuses outside it, with nothing written', () => {
    const r = withAlice();
    expect(applied(r, put('app/1', 'alice'))[0]!.ok).toBe(true);
    const revision = r.store.revision;
    expect(refusal(applied(r, put('other', 'alice'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    expect(r.store.revision).toBe(revision);
    expect(r.store.range({ key: b('other') }).count).toBe(0);
  });

  it('refuses a txn for any one of its compares or operations, whichever branch runs', () => {
    const r = withAlice();
    const txn = (compareKey: string, failureKey: string): EtcdOp => ({
      type: 'txn',
      as: 'alice',
      txn: { compare: [{ key: b(compareKey), target: 'version', result: 'equal', operand: 0 }], success: [{ put: { key: b('app/t'), value: b('1') } }], failure: [{ range: { key: b(failureKey) } }] },
    });
    expect(applied(r, txn('app/c', 'app/f'))[0]!.ok).toBe(true);
    expect(refusal(applied(r, txn('secret', 'app/f'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    expect(refusal(applied(r, txn('app/c', 'secret'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
  });

  it('judges by the state at apply: a permission revoked after the check refuses the write in log order', () => {
    const r = withAlice();
    applied(r, auth({ kind: 'role-revoke-permission', role: 'app', key: b('app/'), rangeEnd: b('app0') }));
    expect(refusal(applied(r, put('app/1', 'alice'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    // Auth disabled: every key is open again.
    applied(r, auth({ kind: 'disable' }, 'root'));
    expect(applied(r, put('anything', 'alice'))[0]!.ok).toBe(true);
  });

  it('refuses a lease revoke unless the user may write every key attached, and management to a non-root user', () => {
    const r = withAlice();
    applied(r, { type: 'lease-grant', id: 7, ttl: 60 }, { type: 'txn', txn: { success: [{ put: { key: b('root-only'), value: b('v'), lease: 7 } }] } });
    expect(refusal(applied(r, { type: 'lease-revoke', id: 7, as: 'alice' })[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    expect(EtcdAuthStore.opChecks({ put: { key: b('app/x'), lease: 7 } }, (id) => r.store.leaseKeys(id)).map((c) => c.key)).toEqual(['app/x', 'root-only']);
    expect(refusal(applied(r, auth({ kind: 'role-add', name: 'x' }, 'alice'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    expect(applied(r, auth({ kind: 'role-add', name: 'x' }, 'root'))[0]!.ok).toBe(true);
  });
});

describe('the auth state in the keyspace image', () => {
  it('survives a snapshot and restore, whole and written in steps, with the same answers after', () => {
    const r = withAlice();
    applied(r, { type: 'txn', txn: { success: [{ put: { key: b('app/1'), value: b('v') } }] } });
    const image = r.snapshot();
    const job = r.beginImage(1)!;
    const chunks: Buffer[] = [];
    for (const _ of job.steps((bytes) => chunks.push(Buffer.from(bytes)))) void _;
    expect(Buffer.concat(chunks).equals(Buffer.from(image)), 'the image in steps is the whole image, byte for byte').toBe(true);

    const restored = new EtcdReplica();
    restored.restore(image);
    expect(restored.auth.image()).toEqual(r.auth.image());
    expect(restored.auth.enabled).toBe(true);
    expect(refusal(applied(restored, put('other', 'alice'))[0]!)).toBe(AUTH_ERRORS.permissionDenied);
    expect(applied(restored, put('app/2', 'alice'))[0]!.ok).toBe(true);
    // And a keyspace restored from an empty image has no auth at all.
    restored.restore(new Uint8Array(0));
    expect(restored.auth.pristine).toBe(true);
  });

  it('keeps an image without auth as it was before auth existed, and one with auth only is not empty', () => {
    const keysOnly = new EtcdReplica();
    applied(keysOnly, { type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v') } }] } });
    expect(Buffer.from(keysOnly.snapshot()).toString()).not.toContain('"auth"');
    const authOnly = new EtcdReplica();
    applied(authOnly, auth({ kind: 'role-add', name: 'r' }));
    expect(authOnly.snapshot().length).toBeGreaterThan(0);
    const back = new EtcdReplica();
    back.restore(authOnly.snapshot());
    expect(back.auth.roleNames()).toEqual(['r']);
  });
});
