import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, resolvesToLoopback } from '../../../../src/common/addresses.js';
import { foundingClusterId, openClusterIdentity } from '../../../../src/core/server/peer/cluster-id.js';
import { PEER_AUTH_METADATA, PeerAuthenticator, REFUSALS_LOGGED_PER_INTERVAL, RejectionLog, signHandshake } from '../../../../src/core/server/guard/peer-auth.js';
import { MAX_SNAPSHOT_CHUNK, SnapshotReceiver } from '../../../../src/core/server/peer/snapshot-receiver.js';
import { tempDir } from '../../../temp-dirs.js';

const secret = Buffer.from('a'.repeat(64));
const opening = (metadata: Metadata) => ({ metadata, certificate: undefined });

describe('PeerAuthenticator with a peer secret', () => {
  it('admits a handshake signed for this member, once', () => {
    const auth = new PeerAuthenticator('n2', 'fleet', { secret, mutualTls: false });
    const md = signHandshake(secret, 'fleet', 'n1', 'n2', Date.now());
    expect(auth.authenticate(opening(md))).toEqual({ id: 'n1' });
    expect(auth.authenticate(opening(md))).toMatchObject({ reason: 'replayed-handshake' });
  });

  it('refuses a missing, wrong, tampered, misdirected, foreign-cluster or stale handshake', () => {
    const now = 1_000_000_000;
    const auth = new PeerAuthenticator('n2', 'fleet', { secret, mutualTls: false }, () => now);
    expect(auth.authenticate(opening(new Metadata()))).toMatchObject({ reason: 'no-credentials' });
    expect(auth.authenticate(opening(signHandshake(Buffer.from('b'.repeat(64)), 'fleet', 'n1', 'n2', now)))).toMatchObject({ reason: 'bad-signature' });
    const claimingN3 = signHandshake(secret, 'fleet', 'n1', 'n2', now);
    claimingN3.set(PEER_AUTH_METADATA, String(claimingN3.get(PEER_AUTH_METADATA)[0]).replace(/^n1 /, 'n3 '));
    expect(auth.authenticate(opening(claimingN3))).toMatchObject({ reason: 'bad-signature' });
    expect(auth.authenticate(opening(signHandshake(secret, 'fleet', 'n1', 'n3', now)))).toMatchObject({ reason: 'bad-signature' });
    expect(auth.authenticate(opening(signHandshake(secret, 'other', 'n1', 'n2', now)))).toMatchObject({ reason: 'bad-signature' });
    expect(auth.authenticate(opening(signHandshake(secret, 'fleet', 'n1', 'n2', now - 6 * 60_000)))).toMatchObject({ reason: 'stale-handshake' });
    const garbage = new Metadata();
    garbage.set(PEER_AUTH_METADATA, 'n1 x y z');
    expect(auth.authenticate(opening(garbage))).toMatchObject({ reason: 'malformed' });
  });

  it('without credentials takes the id a stream names, and refuses one that names none', () => {
    const auth = new PeerAuthenticator('n2', 'fleet', { mutualTls: false });
    expect(auth.authenticate(opening(signHandshake(undefined, 'fleet', 'n1', 'n2', 0)))).toEqual({ id: 'n1' });
    expect(auth.authenticate(opening(new Metadata()))).toMatchObject({ reason: 'no-credentials' });
  });
});

describe('PeerAuthenticator with mutual TLS', () => {
  const auth = new PeerAuthenticator('n2', 'fleet', { mutualTls: true });
  const cert = (CN: string, OU: string) => ({ subject: { CN, OU } }) as never;

  it("takes the id from a member certificate's CN, and refuses other certificates", () => {
    expect(auth.authenticate({ metadata: new Metadata(), certificate: cert('n1', 'fleet-member') })).toEqual({ id: 'n1' });
    expect(auth.authenticate({ metadata: new Metadata(), certificate: cert('operator', 'fleet-operator') })).toMatchObject({ reason: 'not-a-member-certificate' });
    expect(auth.authenticate({ metadata: new Metadata(), certificate: undefined })).toMatchObject({ reason: 'no-credentials' });
  });

  it('with a secret too, both must name the same member', () => {
    const both = new PeerAuthenticator('n2', 'fleet', { secret, mutualTls: true });
    expect(both.authenticate({ metadata: signHandshake(secret, 'fleet', 'n3', 'n2', Date.now()), certificate: cert('n1', 'fleet-member') })).toMatchObject({ reason: 'identity-mismatch' });
  });
});

describe('RejectionLog', () => {
  it('logs at most a few refusals per interval whatever the attacker varies, then one summary, and counts every refusal', () => {
    let now = 0;
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const log = new RejectionLog({ warn: (fields, msg) => lines.push({ fields, msg }) }, 60_000, () => now);
    // A flood: every stream from another port with another 4,000-character claimed id.
    for (let i = 0; i < 5_000; i++) log.record(`ipv4:10.0.0.9:${10_000 + i}`, `x${i}`.padEnd(4_000, 'x'), { reason: 'no-credentials', detail: 'no handshake' });
    expect(lines).toHaveLength(REFUSALS_LOGGED_PER_INTERVAL);
    expect(JSON.stringify(lines).length).toBeLessThan(4_000);
    expect(lines[0]!.fields).toMatchObject({ source: 'ipv4:10.0.0.9:10000', reason: 'no-credentials' });
    expect(String(lines[0]!.fields.claimedId)).toMatch(/^x0x+… \(4000 chars\)$/);
    now = 61_000;
    log.record('ipv4:10.0.0.9:1', 'n9', { reason: 'bad-signature', detail: '' });
    expect(lines).toHaveLength(REFUSALS_LOGGED_PER_INTERVAL + 2);
    expect(lines[REFUSALS_LOGGED_PER_INTERVAL]!.msg).toMatch(/^4,990 more peer streams refused in the last 60 s \(not logged one by one\), from ipv4:10\.0\.0\.9:10010, .* and others$/);
    expect(lines[REFUSALS_LOGGED_PER_INTERVAL]!.fields).toMatchObject({ refused: 4_990, reasons: { 'no-credentials': 4_990 } });
    expect(log.counts.get('no-credentials')).toBe(5_000);
    expect(log.counts.get('bad-signature')).toBe(1);
    log.close();
  });
});

describe('SnapshotReceiver', () => {
  it('spools chunks to disk and refuses oversized chunks and totals, leaving no file behind', () => {
    const dir = join(tempDir('fleet-spool-').path, 'incoming');
    const ok = new SnapshotReceiver({ dir, maxBytes: 10 }, 'n1');
    expect(ok.write(Buffer.from('hello'))).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(1);
    expect(Buffer.from(ok.finish()).toString()).toBe('hello');
    expect(readdirSync(dir)).toHaveLength(0);

    const big = new SnapshotReceiver({ dir, maxBytes: 10 }, 'n1');
    expect(big.write(Buffer.alloc(6))).toBeUndefined();
    expect(big.write(Buffer.alloc(6))).toMatchObject({ reason: 'snapshot-too-large' });
    expect(readdirSync(dir)).toHaveLength(0);
    expect(new SnapshotReceiver({ dir, maxBytes: 1 << 30 }, 'n1').write(Buffer.alloc(MAX_SNAPSHOT_CHUNK + 1))).toMatchObject({ reason: 'snapshot-too-large' });
  });
});

describe('cluster identity', () => {
  it('is the same for every founder, differs by secret and founders, and persists once set', () => {
    const founders = new Map([['n1', 'a:1'], ['n2', 'a:2']]);
    const id = foundingClusterId('fleet', founders, secret);
    expect(foundingClusterId('fleet', new Map([...founders].reverse()), secret)).toBe(id);
    expect(foundingClusterId('fleet', founders, Buffer.from('c'.repeat(64)))).not.toBe(id);
    expect(foundingClusterId('fleet', new Map([['n1', 'a:1']]), secret)).not.toBe(id);
    const dir = tempDir('fleet-cid-').path;
    const joiner = openClusterIdentity(dir, undefined);
    expect(joiner.current()).toBeUndefined();
    joiner.adopt(id);
    joiner.adopt('0123456789abcdef');
    expect(openClusterIdentity(dir, undefined).current()).toBe(id);
  });
});

describe('loopback', () => {
  it('is decided on addresses, never on the spelling of a name', async () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.8.9.10')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('0.0.0.0')).toBe(false);
    expect(await resolvesToLoopback('127.0.0.1.nip.io')).toBe(false);
    expect(await resolvesToLoopback('127.example.com')).toBe(false);
    expect(await resolvesToLoopback('localhost')).toBe(true);
    expect(await resolvesToLoopback('::')).toBe(false);
  });
});
