/**
 * The credentials a local cluster's members run with: the peer secret every member holds, and
 * with `fleet init --tls` the cluster's CA and a certificate per member. Created on first need,
 * so that a member added by `fleet scale` (or a cluster made before peer secrets) gets its own.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterManifest, ManifestMember } from './manifest.js';
import { mkdirPrivate } from './manifest.js';
import type { ClusterPaths } from './paths.js';
import { generateToken, writeSecretFile } from './secrets.js';

/** A member's TLS files, as `node start` takes them. */
export function memberTlsFiles(paths: ClusterPaths, id: string): { cert: string; key: string; ca: string } {
  return { cert: join(paths.certsDir, `member-${id}.crt`), key: join(paths.certsDir, `member-${id}.key`), ca: join(paths.certsDir, 'ca.crt') };
}

/** Writes the peer secret, and with TLS the CA and the operator's certificate (init). */
export async function createClusterCredentials(manifest: ClusterManifest, paths: ClusterPaths): Promise<void> {
  await writeSecretFile(paths.peerSecretFile, generateToken());
  if (!manifest.tls) return;
  await mkdirPrivate(paths.certsDir);
  const certs = await import('./certs.js');
  const ca = await certs.createAuthority(paths.certsDir, manifest.name);
  await certs.createOperatorCert(ca, paths.certsDir);
}

/** Makes sure `member` has what it starts with: the peer secret, and its certificate with TLS. */
export async function ensureMemberCredentials(manifest: ClusterManifest, member: ManifestMember, paths: ClusterPaths): Promise<void> {
  if (!existsSync(paths.peerSecretFile)) await writeSecretFile(paths.peerSecretFile, generateToken());
  if (!manifest.tls || existsSync(memberTlsFiles(paths, member.id).cert)) return;
  const certs = await import('./certs.js');
  const ca = await certs.loadAuthority(paths.certsDir);
  await certs.createMemberCert(ca, paths.certsDir, member.id, '127.0.0.1');
}

/** The credential flags of a member's `node start`. */
export function credentialArgs(manifest: ClusterManifest, member: ManifestMember, paths: ClusterPaths): string[] {
  const args = ['--token-file', paths.tokenFile, '--admin-token-file', paths.adminTokenFile, '--peer-secret-file', paths.peerSecretFile];
  if (!manifest.tls) return args;
  const tls = memberTlsFiles(paths, member.id);
  return [...args, '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca];
}
